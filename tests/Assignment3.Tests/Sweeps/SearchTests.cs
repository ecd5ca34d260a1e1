using Assignment3.Experiments.Configuration;
using Assignment3.Experiments.Search;
using Assignment3.Experiments.Sweeps;
using Assignment3.Storage;

namespace Assignment3.Tests.Sweeps;

/// <summary>
/// Search stages on real actor systems with the fake trainer: proposals, tables and the search record
/// do not depend on slots, arrival order or timing; each round waits for exactly the results it learns from.
/// </summary>
public sealed class SearchTests : IDisposable
{
    private readonly InProcessSweeps sweeps = new("a3-search-");

    /// <summary>The sweep on <paramref name="slots"/> slots, results arriving in an order scrambled by <paramref name="scramble"/> (0: at once).</summary>
    private Task<string> Run(SweepConfig config, int slots, int scramble = 0) =>
        sweeps.Run(config, slots, scramble == 0 ? null : InProcessSweeps.Scrambled(scramble));

    [Theory]
    [InlineData("gp", 1)]
    [InlineData("tpe", 0)]
    [InlineData("random", 1)]
    public async Task Proposals_and_tables_are_the_same_on_1_2_and_8_slots_whatever_order_results_arrive_in(
        string method,
        int lag
    )
    {
        var config = SweepConfigs.Search(method, lag: lag);

        string[] folders =
        [
            await Run(config, slots: 1),
            await Run(config, slots: 2, scramble: 5),
            await Run(config, slots: 8, scramble: 11),
        ];

        var reference = File.ReadAllText(Path.Combine(folders[0], "search-coarse.csv"));
        Assert.Equal(17, reference.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length); // header + 16 trials
        foreach (var folder in folders)
        {
            SweepFiles.AssertEveryTrialOnceCompleted(folder, 16);
            Assert.Equal(reference, File.ReadAllText(Path.Combine(folder, "search-coarse.csv")));
            Assert.Equal(SweepFiles.Table(folders[0]), SweepFiles.Table(folder));
            Assert.Equal(Proposals(folders[0]), Proposals(folder));
        }
        Assert.Contains(
            $"{method} search, 16 of 16 trials proposed in 4 rounds",
            File.ReadAllText(Path.Combine(folders[0], "search-coarse.md"))
        );
        // The report's search progress: best so far against trial-cycles and wall time, importance, proposal order.
        var report = File.ReadAllText(Path.Combine(folders[0], "report.html"));
        Assert.Contains($"<b>{method}</b> search, 16 of 16 trials proposed in 4 rounds", report);
        Assert.Contains("class=\"best-by-cycles\"", report);
        Assert.Contains("class=\"best-by-time\"", report);
        Assert.Contains("<table id=\"importance\">", report);
        Assert.Contains("(coarse, round 3)", report);
    }

    private static string Proposals(string folder) =>
        string.Join(
            "\n",
            SweepStore
                .Read(folder)
                .Events.OfType<RoundProposed>()
                .Select(r => $"{r.Round}: {string.Join(" ", r.Points.Select(ProposalSet.Key))}")
        );

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task Each_round_is_proposed_once_the_results_it_learns_from_are_in_and_not_before(int lag)
    {
        var config = SweepConfigs.Search("gp", lag: lag);
        var folder = await Run(config, slots: 4, scramble: 3);

        var recorded = new HashSet<int>();
        var roundOf = new Dictionary<int, int>();
        var nextId = 1;
        foreach (var e in SweepStore.Read(folder).Events)
        {
            if (e is TrialRecorded r)
                recorded.Add(r.Trial);
            if (e is not RoundProposed round)
                continue;
            var learnsFrom = roundOf
                .Where(t => t.Value <= config.Search!.LastObservedRound(round.Round))
                .Select(t => t.Key)
                .ToArray();
            Assert.All(learnsFrom, t => Assert.Contains(t, recorded));
            if (lag == 0 && round.Round > 0)
                Assert.Equal(roundOf.Keys.Order(), recorded.Order()); // waits for every result
            foreach (var _ in round.Points)
                roundOf[nextId++] = round.Round;
        }
        Assert.Equal(16, roundOf.Count);
    }

    /// <summary>
    /// BOHB: each round is a successive-halving bracket (9 trials at 1 cycle, the best 3 on to 3, the best
    /// one to 9), proposed by the GP from the largest budget with enough results; the same on 1 and 4 slots;
    /// with two objectives too (rungs ranked by non-dominated sorting, the GP by hypervolume improvement).
    /// </summary>
    [Theory]
    [InlineData("")]
    [InlineData("objectives = [ { metric = validation-accuracy, goal = max }, { metric = parameters, goal = min } ]")]
    public async Task BOHB_runs_each_round_as_a_successive_halving_bracket_the_same_on_any_number_of_slots(
        string objectives
    )
    {
        var config = SweepConfigs.Search(
            "gp",
            trials: 27,
            batch: 9,
            initial: 9,
            lag: 1,
            cycles: 9,
            schedule: "policy = successive-halving, eta = 3, min-budget = 1",
            sweepExtra: objectives
        );

        var one = await Run(config, slots: 1);
        var four = await Run(config, slots: 4, scramble: 7);

        foreach (var folder in new[] { one, four })
            SweepFiles.AssertEveryTrialOnceFinal(folder, 27);
        Assert.Equal(
            File.ReadAllText(Path.Combine(one, "search-coarse.csv")),
            File.ReadAllText(Path.Combine(four, "search-coarse.csv"))
        );
        Assert.Equal(SweepFiles.Rungs(one), SweepFiles.Rungs(four));
        // Per bracket (round): 9 enter at 1 cycle, 3 go on to 3 cycles, 1 to 9: 9 + 6 + 6 = 21 trial-cycles of 81.
        var rungs = File.ReadAllLines(Path.Combine(one, "rungs-coarse.csv"))
            .Skip(1)
            .Select(l => l.Split(','))
            .ToArray();
        Assert.Equal(9, rungs.Length);
        Assert.All(rungs.GroupBy(r => r[0]), bracket => Assert.Equal(["9", "3", "1"], bracket.Select(r => r[3])));
        var rows = SweepFiles.Trials(one);
        Assert.Equal(3, rows.Count(r => r.Status == "completed"));
        Assert.Equal(
            3 * 21,
            rows.Sum(r => double.Parse(r["budgetCycles"], System.Globalization.CultureInfo.InvariantCulture))
        );
    }

    [Fact]
    public async Task A_refinement_stage_after_a_search_refines_around_its_best_trial()
    {
        var config = SweepConfigs.Search(
            "tpe",
            stages: "[ { name = fine, from = coarse, top = 1, refine { lambda { count = 3, span = 0.2 } } } ]"
        );

        var folder = await Run(config, slots: 2);

        SweepFiles.AssertEveryTrialOnceCompleted(folder, 19);
        var rows = SweepFiles.Trials(folder);
        var best = rows.Where(r => r["stage"] == "coarse")
            .MaxBy(r => double.Parse(r["validationAccuracy"], System.Globalization.CultureInfo.InvariantCulture))!;
        var fine = rows.Where(r => r["stage"] == "fine").ToArray();
        Assert.All(fine, r => Assert.Equal((best["eta-max"], best["batch-norm"]), (r["eta-max"], r["batch-norm"])));
        Assert.Contains(best["lambda"], fine.Select(r => r["lambda"]));
    }

    [Fact]
    public async Task Enqueued_points_are_the_first_trials_and_the_search_learns_from_them()
    {
        var config = SweepConfigs.Search(
            "gp",
            extra: "enqueue = [ { lambda = 0.001, eta-max = 0.1, batch-norm = true, batch-norm-alpha = 0.9 }, "
                + "{ lambda = 0.01, eta-max = 0.01, batch-norm = false } ]"
        );
        var folder = await Run(config, slots: 2);

        var rows = SweepFiles.Trials(folder);
        Assert.Equal(
            ("0.001", "0.1", "true", "0.9"),
            (rows[0]["lambda"], rows[0]["eta-max"], rows[0]["batch-norm"], rows[0]["batch-norm-alpha"])
        );
        Assert.Equal(
            ("0.01", "0.01", "false", ""),
            (rows[1]["lambda"], rows[1]["eta-max"], rows[1]["batch-norm"], rows[1]["batch-norm-alpha"])
        );
        Assert.All(rows.Where(r => r["batch-norm"] == "false"), r => Assert.Equal("", r["batch-norm-alpha"])); // alpha only with batch norm
    }

    /// <summary>
    /// The targets on synthetic objectives, 10 sweep seeds, 40 evaluations in rounds of 4 after 10
    /// initial points, at the defaults (lag 1: each round learns from all but the round still running).
    /// </summary>
    [Fact]
    public void GP_and_TPE_beat_random_search_on_Branin_and_Hartmann6()
    {
        double Median(SyntheticObjective objective, ISearchMethod method)
        {
            var search = objective.Search(method, trials: 40, initial: 10, batch: 4, lag: 1);
            var regrets = new double[10];
            Parallel.For(0, 10, seed => regrets[seed] = objective.Run(search, seed + 1)[^1]);
            return regrets.Order().Skip(4).Take(2).Average();
        }
        foreach (var objective in new[] { SyntheticObjective.Branin, SyntheticObjective.Hartmann6 })
        {
            var random = Median(objective, RandomSearch.Instance);
            var gp = Median(objective, GaussianProcessSearch.Instance);
            var tpe = Median(objective, TpeSearch.Instance);
            Assert.True(
                gp <= random / (objective == SyntheticObjective.Branin ? 10 : 3),
                $"{objective.Name}: gp {gp} vs random {random}"
            );
            Assert.True(tpe < random, $"{objective.Name}: tpe {tpe} vs random {random}");
        }
    }

    /// <summary>
    /// BOHB's rho: under early stopping a third of every model round is drawn uniformly after the method's
    /// points (the method proposes the other two thirds from the same request); without, none unless asked.
    /// </summary>
    [Fact]
    public void Under_early_stopping_a_third_of_each_model_round_is_drawn_uniformly_after_the_models_points()
    {
        const string space =
            "space { lambda = { log-uniform = [1e-5, 1e-1] }, eta-max = { log-uniform = [1e-3, 0.5] } }";
        var bracketed = SweepConfig
            .Parse(
                "name = s\ntraining.cycles = 9\nsweep { schedule { policy = successive-halving, eta = 3 }\n"
                    + $"search {{ batch = 9, initial = 9, {space} }} }}",
                "s.conf"
            )
            .Search!;
        var plain = SweepConfig
            .Parse($"name = s\nsweep {{ search {{ batch = 9, initial = 9, {space} }} }}", "s.conf")
            .Search!;
        var asked = SweepConfig
            .Parse($"name = s\nsweep {{ search {{ random-fraction = 0.5, {space} }} }}", "s.conf")
            .Search!;
        Assert.Equal((1.0 / 3, 0.0, 0.5), (bracketed.RandomFraction, plain.RandomFraction, asked.RandomFraction));

        var design = SearchRounds.Propose(new RoundRequest(bracketed, 7, "coarse", 0, [], [], [], 9));
        var observed = design.Select((p, i) => new Observation(p, 0.5 + 0.01 * i)).ToArray();
        var request = new RoundRequest(bracketed, 7, "coarse", 1, observed, [], design, 9);

        var round = SearchRounds.Propose(request);
        var modelOnly = SearchRounds.Propose(request with { Search = plain, Count = 6 });

        Assert.Equal(9, round.Select(ProposalSet.Key).Concat(design.Select(ProposalSet.Key)).Distinct().Count() - 9);
        Assert.Equal(modelOnly.Select(ProposalSet.Key), round.Take(6).Select(ProposalSet.Key));
        Assert.Equal(round.Select(ProposalSet.Key), SearchRounds.Propose(request).Select(ProposalSet.Key));
    }

    [Fact]
    public async Task The_search_table_says_which_points_were_enqueued_drawn_uniformly_or_the_methods()
    {
        var config = SweepConfigs.Search(
            "tpe",
            trials: 10,
            batch: 4,
            initial: 3,
            lag: 0,
            extra: "random-fraction = 0.5\nenqueue = [ { lambda = 0.001, eta-max = 0.01, batch-norm = false } ]"
        );

        var folder = await Run(config, slots: 2);

        var rows = File.ReadAllLines(Path.Combine(folder, "search-coarse.csv"))
            .Skip(1)
            .Select(SweepFiles.Cells)
            .ToArray();
        var header = SweepFiles.Cells(File.ReadAllLines(Path.Combine(folder, "search-coarse.csv"))[0]);
        var by = rows.Select(r => r[Array.IndexOf(header, "proposed by")]).ToArray();
        // Round 0: the enqueued point, then the initial design; round 1: two of tpe's, two uniform draws;
        // round 2, the last three of the budget: half of three, rounded up, drawn.
        Assert.Equal(
            [
                "enqueued",
                "initial design",
                "initial design",
                "tpe",
                "tpe",
                "uniform draw",
                "uniform draw",
                "tpe",
                "uniform draw",
                "uniform draw",
            ],
            by
        );
        var rounds = SweepStore.Read(folder).Events.OfType<RoundProposed>().ToArray();
        Assert.Equal([2, 2, 2], rounds.Select(r => r.Drawn));
        Assert.Contains("| initial design |", File.ReadAllText(Path.Combine(folder, "search-coarse.md")));
    }

    [Theory]
    [InlineData(
        "random-fraction = 1.5, space { lambda = { uniform = [0, 0.1] } }",
        "sweep.search.random-fraction: 1.5 is not a share from 0 to 1"
    )]
    [InlineData("space { }", "sweep.search.space: empty")]
    [InlineData(
        "space { lambda = { uniform = [0.1, 0.01] } }",
        "sweep.search.space.lambda.uniform: min 0.1 is not below max 0.01"
    )]
    [InlineData(
        "space { lambda = { log-uniform = [0, 0.1] } }",
        "sweep.search.space.lambda.log-uniform: log-uniform needs min > 0"
    )]
    [InlineData(
        "trials = 8, batch = 9, space { lambda = { uniform = [0, 0.1] } }",
        "sweep.search.batch: 9 is larger than the trial budget"
    )]
    [InlineData(
        "method = bayes, space { lambda = { uniform = [0, 0.1] } }",
        "sweep.search.method: 'bayes' is not a search method; expected random, gp, tpe"
    )]
    [InlineData("space { width-2 = { uniform = [5, 50] } }", "sweep.search.space.width-1: missing")]
    [InlineData(
        "method = gp, gamma = 0.2, space { lambda = { uniform = [0, 0.1] } }",
        "sweep.search.gamma: a setting of method tpe, not of gp; gp takes candidates, local-candidates"
    )]
    [InlineData(
        "method = random, candidates = 5, space { lambda = { uniform = [0, 0.1] } }",
        "sweep.search.candidates: a setting of method gp, not of random; random takes no settings"
    )]
    [InlineData(
        "method = tpe, gamma = 1.5, space { lambda = { uniform = [0, 0.1] } }",
        "sweep.search.gamma: 1.5 is too large; at most 1"
    )]
    [InlineData(
        "method = tpe, candidates = 0, space { lambda = { uniform = [0, 0.1] } }",
        "sweep.search.candidates: '0' is not allowed; expected a whole number >= 1"
    )]
    [InlineData(
        "method = tpe, depth = 3, space { lambda = { uniform = [0, 0.1] } }",
        "sweep.search.depth: unknown key; allowed in sweep.search: method, trials, initial, batch, lag, random-fraction, space, enqueue, warm-start, "
            + "candidates, prior-weight, gamma, gamma-max"
    )]
    [InlineData("space { step-size = { uniform = [10.5, 50] } }", "step-size takes whole numbers")]
    [InlineData("space { hidden = { uniform = [1, 5] } }", "network.hidden takes no ranges")]
    [InlineData(
        "space { lambda = [1e-3, 1e-2] }\n enqueue = [ { lambda = 0.5 } ]",
        "sweep.search.enqueue[0].lambda: 0.5 is not one of the choices"
    )]
    [InlineData(
        "space { eta-min = { uniform = [0.5, 0.9] }, eta-max = { uniform = [0.01, 0.1] } }",
        "sweep.search.space: none of 1,000 points drawn from the space is a run a3 can train, e.g.: s.conf: eta-min/eta-max: need 0 < eta-min <= eta-max"
    )]
    [InlineData(
        "space { width-1 = { uniform = [4000, 5000] }, width-2 = { uniform = [4000, 5000] } }",
        "sweep.search.space: none of 1,000 points drawn from the space is a run a3 can train, e.g.: s.conf: hidden: ["
    )]
    [InlineData(
        "space { batch-norm = [false], batch-norm-alpha = { uniform = [0.5, 0.9] } }",
        "sweep.search.space.batch-norm-alpha: batch-norm-alpha only matters with batch-norm = true, and s.conf: sweep.search.space.batch-norm does not offer it"
    )]
    [InlineData(
        "warm-start = [ \"runs/a\", \"./runs/a/\" ], space { lambda = { uniform = [0, 0.1] } }",
        "sweep.search.warm-start[1]: ./runs/a/ is the same folder as s.conf: sweep.search.warm-start[0]; name each earlier sweep once"
    )]
    public void A_bad_search_section_is_refused_naming_its_key(string search, string message)
    {
        var error = Assert.Throws<ConfigException>(() =>
            SweepConfig.Parse($"name = s\nsweep {{ search {{ {search} }} }}", "s.conf")
        );
        Assert.Contains(message, error.Message);
    }

    /// <summary>A method's own settings reach its proposals; left out, each is its default.</summary>
    [Fact]
    public void A_methods_settings_are_its_own_and_default_to_its_keys()
    {
        const string space =
            "space { lambda = { log-uniform = [1e-5, 1e-1] }, eta-max = { log-uniform = [1e-3, 0.5] } }";
        SearchSpec Tpe(string settings) =>
            SweepConfig.Parse($"name = s\nsweep {{ search {{ method = tpe, {settings} {space} }} }}", "s.conf").Search!;
        var (implicitDefaults, explicitDefaults, fewer) = (
            Tpe(""),
            Tpe("candidates = 24, prior-weight = 1, gamma = 0.1, gamma-max = 25,"),
            Tpe("candidates = 1,")
        );
        Assert.Equal((24.0, 1.0), (implicitDefaults.Settings.Value("candidates"), fewer.Settings.Value("candidates")));
        Assert.Equal(
            SearchMethods.Default,
            SweepConfig.Parse($"name = s\nsweep {{ search {{ {space} }} }}", "s.conf").Search!.Method
        );

        var design = SearchRounds.Propose(new RoundRequest(implicitDefaults, 7, "coarse", 0, [], [], [], 8));
        var observed = design.Select((p, i) => new Observation(p, 0.5 + 0.01 * i)).ToArray();
        double[][] Round(SearchSpec search) =>
            SearchRounds.Propose(new RoundRequest(search, 7, "coarse", 1, observed, [], design, 4));
        Assert.Equal(Round(implicitDefaults), Round(explicitDefaults));
        Assert.NotEqual(Round(implicitDefaults), Round(fewer));
    }

    [Fact]
    public void Batch_norm_alpha_is_searched_only_where_batch_norm_is_on()
    {
        const string search = "sweep { search { space { batch-norm-alpha = { uniform = [0.5, 0.9] } } } }";
        var error = Assert.Throws<ConfigException>(() =>
            SweepConfig.Parse($"name = s\nnetwork {{ batch-norm = false }}\n{search}", "s.conf")
        );
        Assert.Contains(
            "sweep.search.space.batch-norm-alpha: batch-norm-alpha only matters with batch-norm = true, which is false here; "
                + "search batch-norm too, or set network.batch-norm = true",
            error.Message
        );
        SweepConfig.Parse($"name = s\n{search}", "s.conf"); // batch norm is on by default (the recipe's)
    }

    [Fact]
    public void A_list_in_the_experiment_sections_is_refused_with_where_to_put_it()
    {
        var error = Assert.Throws<ConfigException>(() =>
            SweepConfig.Parse(
                "name = s\ntraining { lambda = [1e-3, 1e-2] }\nsweep { search { space { eta-max = { uniform = [0.01, 0.1] } } } }",
                "s.conf"
            )
        );
        Assert.Contains(
            "training.lambda: lists 2 values, but a search stage varies only the keys of sweep.search.space",
            error.Message
        );
    }

    [Fact]
    public void Depth_and_widths_make_the_hidden_layers_and_widths_beyond_the_depth_do_not_count()
    {
        var config = SweepConfig.Parse(
            """
            name = s
            sweep { search { space { depth = [1, 2, 3], width-1 = { uniform = [10, 20] }, width-2 = { uniform = [30, 40] }, width-3 = [50] } } }
            """,
            "s.conf"
        );
        var space = config.Search!.Space;

        var run = space.Apply(space.Canonical([1, 12, 35, 0])).VariantAt(0).Config;

        Assert.Equal([12, 35], run.Hidden);
        Assert.Equal(space.Canonical([0, 12, 35, 0]), space.Canonical([0, 12, 31, 0])); // depth 1: width-2 has no effect
    }

    public void Dispose() => sweeps.Dispose();
}
