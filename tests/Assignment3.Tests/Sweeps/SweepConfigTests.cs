using Assignment3.Experiments.Configuration;
using Assignment3.Experiments.Scheduling;
using Assignment3.Experiments.Sweeps;

namespace Assignment3.Tests.Sweeps;

public class SweepConfigTests
{
    public static IEnumerable<object[]> ShippedConfigs() =>
        Directory
            .GetFiles(Path.Combine(RepoPaths.Root, "configs"), "*.conf")
            .Select(f => new object[] { Path.GetFileName(f) });

    [Theory]
    [MemberData(nameof(ShippedConfigs))]
    public void Every_shipped_config_parses_and_plans(string file)
    {
        var sweep = SweepConfig.Load(RepoPaths.Config(file));
        if (sweep.Search is null)
        {
            Assert.NotEmpty(SweepPlanner.FirstStage(sweep).Trials());
            return;
        }
        // A search plans round by round: its first round is due at once and brings the initial design.
        var state = new SweepState(sweep);
        var round = state.RoundDue()!;
        state.Apply(
            new RoundProposed(round.Stage, round.Round, Assignment3.Experiments.Search.SearchRounds.Propose(round))
        );
        Assert.Equal(sweep.Search.Initial, state.Current.Plan.Trials().Count());
    }

    [Fact]
    public void Lambda_coarse_is_the_reports_search_8_lambdas_log_spaced_without_and_with_batch_norm()
    {
        var sweep = SweepConfig.Load(RepoPaths.Config("lambda-coarse.conf"));
        var trials = SweepPlanner.FirstStage(sweep).Trials().ToArray();

        Assert.Equal(16, trials.Length);
        var lambdas = trials.Select(t => t.Config.Lambda).Distinct().ToArray();
        Assert.Equal(8, lambdas.Length);
        Assert.Equal(1e-5, lambdas[0], 1e-15);
        Assert.Equal(3.73e-5, lambdas[1], 1e-7); // the report's second row
        Assert.Equal(7.20e-3, lambdas[5], 1e-5);
        Assert.Equal(1e-1, lambdas[7], 1e-12);
        Assert.Equal(new TableSpec("lambda", "batch-norm", "validation-accuracy"), sweep.Table);
    }

    [Fact]
    public void Trial_seeds_depend_on_the_sweep_seed_and_the_parameters_only()
    {
        var sweep = SweepConfig.Load(RepoPaths.Config("smoke.conf"));
        var trials = SweepPlanner.FirstStage(sweep).Trials().ToArray();

        Assert.Equal(
            trials.Select(t => t.Config.Seed),
            SweepPlanner
                .FirstStage(SweepConfig.Load(RepoPaths.Config("smoke.conf")))
                .Trials()
                .Select(t => t.Config.Seed)
        );
        Assert.Equal(trials.Length, trials.Select(t => t.Config.Seed).Distinct().Count());
        Assert.All(trials, t => Assert.Equal(SweepPlanner.TrialSeed(7, t.Key), t.Config.Seed));
    }

    [Fact]
    public void Random_ranges_are_reproducible_from_the_sweep_seed()
    {
        const string text = "training { lambda = { log-uniform = [1e-5, 1e-1], count = 4 } }\nsweep { seed = 11 }";
        var first = SweepPlanner
            .FirstStage(SweepConfig.Parse(text, "r.conf"))
            .Trials()
            .Select(t => t.Config.Lambda)
            .ToArray();
        var again = SweepPlanner
            .FirstStage(SweepConfig.Parse(text, "r.conf"))
            .Trials()
            .Select(t => t.Config.Lambda)
            .ToArray();
        var other = SweepPlanner
            .FirstStage(SweepConfig.Parse(text.Replace("11", "12"), "r.conf"))
            .Trials()
            .Select(t => t.Config.Lambda)
            .ToArray();

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.All(first, l => Assert.InRange(l, 1e-5, 1e-1));
    }

    [Fact]
    public void A_huge_grid_the_user_asked_for_is_planned_lazily()
    {
        var sweep = SweepConfig.Parse(
            """
            network { batch-norm = [false, true] }
            training { lambda = { log-grid = [1e-6, 1e-1], count = 1000000 } }
            sweep { max-trials = 2000000 }
            """,
            "huge.conf"
        );
        var before = GC.GetTotalMemory(forceFullCollection: true);

        var state = new SweepState(sweep);

        Assert.Equal(2_000_000, state.Planned);
        Assert.Equal(1, state.NextWork()!.Value.Trial);
        Assert.True(state.Plan(2_000_000).Config.BatchNorm);
        Assert.Equal(0.1, state.Plan(2_000_000).Config.Lambda, 1e-12);
        Assert.True(
            GC.GetTotalMemory(forceFullCollection: true) - before < 10_000_000,
            "planning kept trials in memory"
        );
    }

    [Fact]
    public void A_recorded_trial_keeps_one_shared_string_for_its_node_whatever_message_named_it()
    {
        var state = new SweepState(SweepConfigs.Small());
        string Node() => new("127.0.0.1:4053".ToCharArray()); // each message deserialized brings its own copy
        foreach (var trial in new[] { 1, 2 })
        {
            var to = state.Plan(trial).Config.TotalSteps;
            state.Apply(new TrialStarted(trial, 1, Node(), "slot-1", 0, to));
            var outcome = new TrialOutcome(TrialStatus.Completed, 0.5, double.NaN, 0.5, 1, to, 1, null, null, []);
            state.Apply(new TrialRecorded(trial, 1, Node(), outcome));
        }

        Assert.Same(state.Find(1)!.Node, state.Find(2)!.Node);
        Assert.Same(state.Find(1)!.Attempts[0].Node, state.Find(2)!.Node);
    }

    [Theory]
    [InlineData(
        "training { lambda = { log-grid = [1e-1, 1e-5], count = 8 } }",
        "lambda.log-grid: min 0.1 is above max 1E-05"
    )]
    [InlineData("training { lambda = { log-grid = [0, 1e-1], count = 8 } }", "log ranges need min > 0")]
    [InlineData("training { lambda = { grid = [0, 1] } }", "count is missing")]
    [InlineData("training { lambda = { grid = [0, 1], count = 0 } }", "lambda.count: '0' is not allowed")]
    [InlineData("training { lambda = { grid = [0, 1], step = 2, count = 2 } }", "lambda.step: unknown key")]
    [InlineData("network { batch-norm = { grid = [0, 1], count = 2 } }", "ranges are for numeric parameters")]
    [InlineData("sweep { table { rows = lambda, cell = accuracy } }", "sweep.table.cell: 'accuracy' is not allowed")]
    [InlineData("sweep { table { rows = lamda } }", "sweep.table.rows: 'lamda' is not a parameter")]
    [InlineData("sweep { stages = [ { from = fine } ] }", "sweep.stages[0].from: 'fine' is not an earlier stage")]
    [InlineData(
        "sweep { stages = [ { refine { hidden { count = 2 } } } ] }",
        "sweep.stages[0].refine.hidden: not a numeric parameter"
    )]
    [InlineData("sweep { seeds = 3 }", "sweep.seeds: unknown key")]
    [InlineData("sweep { max-attempts = 0 }", "sweep.max-attempts: '0' is not allowed")]
    [InlineData(
        "training { lambda = { log-grid = [1e-6, 1e-1], count = 1000000 } }\nnetwork { batch-norm = [false, true] }",
        "the first stage has 2,000,000 trials, more than sweep.max-trials = 10,000"
    )]
    [InlineData(
        "sweep { stages = [ { refine { lambda { count = 3, span = 999999999 } } } ] }",
        "sweep.stages[0].refine.lambda.span: 1E+09 is too wide; at most 10 (decades in log10)"
    )]
    [InlineData(
        "sweep { schedule { policy = asha } }",
        "sweep.schedule.policy: 'asha' is not a policy; expected grid, successive-halving, hyperband, median"
    )]
    [InlineData(
        "sweep { schedule { policy = successive-halving, eta = 1 } }",
        "sweep.schedule.eta: '1' is not allowed; expected a whole number >= 2"
    )]
    [InlineData(
        "sweep { schedule { policy = successive-halving, min-budget = 2 } }",
        "sweep.schedule.min-budget: 2 cycles is not less than the trials' 2 cycles"
    )]
    [InlineData(
        "sweep { schedule { policy = median, eta = 3 } }",
        "sweep.schedule.eta: does not apply to policy median; it takes min-budget, min-trials"
    )]
    [InlineData(
        "sweep { schedule { policy = hyperband, budget = 3 } }",
        "sweep.schedule.budget: does not apply to policy hyperband; it takes eta, min-budget"
    )]
    [InlineData("sweep { checkpoint-every = -1 }", "sweep.checkpoint-every: '-1' is not allowed")]
    [InlineData(
        "sweep { stages = [ {\n schedule { policy = median, min-budget = 5 }\n training { cycles = 3 }\n } ] }",
        "sweep.stages[0].schedule.min-budget: 5 cycles is not less than the trials' 3 cycles"
    )]
    [InlineData("sweep { group-size = 0 }", "sweep.group-size: '0' is not allowed; expected auto")]
    [InlineData("sweep { group-size = -1 }", "sweep.group-size: '-1' is not allowed")]
    [InlineData("sweep { group-size = 1e6 }", "sweep.group-size: '1e6' is not allowed")]
    [InlineData("sweep { group-size = 65 }", "a whole number from 1 to 64")]
    [InlineData("sweep { group-size = many }", "sweep.group-size: 'many' is not allowed")]
    [InlineData("sweep { data-order = random }", "sweep.data-order: 'random' is not allowed; expected shared")]
    public void Bad_sweep_sections_are_refused_with_the_key_and_what_is_allowed(string text, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => SweepConfig.Parse(text, "bad.conf"));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("bad.conf", e.Message);
    }

    [Fact]
    public void Replicates_train_each_configuration_with_its_own_seeds_and_refinement_goes_by_their_mean()
    {
        var sweep = SweepConfig.Parse(
            """
            training { lambda = [1e-4, 1e-2] }
            sweep {
              replicates = 3
              stages = [
                {
                  name = fine
                  from = coarse
                  top = 1
                  refine { lambda { count = 3, span = 0.5 } }
                }
              ]
            }
            """,
            "replicates.conf"
        );
        var trials = SweepPlanner.FirstStage(sweep).Trials().ToArray();

        Assert.Equal(6, trials.Length);
        Assert.Equal(["1", "2", "3", "1", "2", "3"], trials.Select(t => t.Value(PlannedTrial.ReplicateKey)));
        Assert.Equal(6, trials.Select(t => t.Config.Seed).Distinct().Count());
        Assert.Equal(2, trials.Select(t => t.ConfigurationKey).Distinct().Count());
        // Without replicates, seeds are what they always were (no replicate parameter).
        var single = SweepPlanner
            .FirstStage(SweepConfig.Parse("training { lambda = [1e-4, 1e-2] }", "single.conf"))
            .Trials()
            .ToArray();
        Assert.All(single, t => Assert.DoesNotContain(t.Parameters, p => p.Key == PlannedTrial.ReplicateKey));

        // lambda 1e-4 has the best single trial (0.60) but the worse mean (0.50 vs 0.55): the refinement centres on 1e-2.
        double[] accuracies = [0.60, 0.45, 0.45, 0.55, 0.55, 0.55];
        var next = SweepPlanner.NextStage(
            sweep,
            1,
            trials.Select((t, i) => new StageResult(t, accuracies[i])),
            firstId: 7,
            SweepPlanner.FirstStage(sweep).Resolved
        );
        Assert.Equal(9, next.Count); // 3 lambdas x 3 replicates
        Assert.Equal(1e-2, next.Trials().Select(t => t.Config.Lambda).OrderBy(l => l).ElementAt(4), 1e-12);
    }

    [Theory]
    [InlineData("training { data-order-seed = 3 }")]
    [InlineData("sweep { stages = [ { name = fine, training { data-order-seed = 3 } } ] }")]
    public void A_data_order_seed_is_for_a3_train_and_refused_in_a_sweep(string text)
    {
        var config = SweepConfig.Parse(text, "order.conf");

        Assert.Contains(
            "order.conf: training.data-order-seed: a sweep sets each trial's mini-batch order itself",
            Assert.Throws<ConfigException>(() => config.ToSweep()).Message
        );
    }

    [Fact]
    public void Trials_share_their_replicates_mini_batch_order_unless_the_sweep_says_per_trial()
    {
        const string grid =
            "training { lambda = [1e-4, 1e-2], batch-size = [10, 20] }\nsweep { seed = 5, replicates = 2";
        var shared = SweepPlanner.FirstStage(SweepConfig.Parse(grid + " }", "shared.conf")).Trials().ToArray();
        var perTrial = SweepPlanner
            .FirstStage(SweepConfig.Parse(grid + ", data-order = per-trial, group-size = 3 }", "per-trial.conf"))
            .Trials()
            .ToArray();

        Assert.All(shared, t =>
            Assert.Equal(
                SweepPlanner.DataOrderSeed(5, int.Parse(t.Value(PlannedTrial.ReplicateKey))),
                t.Config.DataOrderSeed
            )
        );
        Assert.Equal(2, shared.Select(t => t.Config.OrderSeed).Distinct().Count());
        Assert.All(perTrial, t => Assert.Null(t.Config.DataOrderSeed));
        Assert.Equal(perTrial.Select(t => t.Config.Seed), perTrial.Select(t => t.Config.OrderSeed));
        // The trial seeds themselves do not depend on the order.
        Assert.Equal(shared.Select(t => t.Config.Seed), perTrial.Select(t => t.Config.Seed));
        Assert.Null(SweepConfig.Parse(grid + " }", "auto.conf").GroupSize);
        Assert.Equal(3, SweepConfig.Parse(grid + ", data-order = per-trial, group-size = 3 }", "three.conf").GroupSize);
    }

    [Fact]
    public void A_group_is_the_next_trial_and_those_due_from_its_step_on_its_mini_batches_new_ones_out_of_turn()
    {
        // Replicates vary fastest, and each has its own order: trials 1, 3, 5, 7 share one, 2, 4, 6, 8 the other.
        var config = SweepConfig.Parse(
            "training { lambda = [1e-4, 1e-3, 1e-2, 1e-1], step-size = 5, cycles = 1 }\nsweep { replicates = 2 }",
            "g.conf"
        );
        var state = new SweepState(config);

        Assert.Equal([1, 3, 5], state.NextGroup(3).Select(w => w.Trial));
        foreach (var id in new[] { 1, 3, 5 })
            state.Apply(new TrialStarted(id, 1, "n", "slot-1", 0, 10, Group: 1));
        Assert.Equal(2, state.Current.FirstNew);
        Assert.Equal([2, 4, 6, 8], state.NextGroup(8).Select(w => w.Trial));
        state.Apply(new TrialStarted(2, 1, "n", "slot-2", 0, 10));
        Assert.Equal([4, 6], state.NextGroup(2).Select(w => w.Trial));
        // A trial queued again after its worker was lost goes first, with those due from the same step.
        state.Apply(new TrialRequeued(3, 1, "lost", Charged: false));
        Assert.Equal([3, 7], state.NextGroup(4).Select(w => w.Trial));
        Assert.Equal(1, state.Find(1)!.Group);
        Assert.Equal(2, state.Find(2)!.Group);
        Assert.Equal(5, state.Current.Queued); // 3 again, 4, 6, 7, 8
    }

    [Theory]
    [InlineData("sweep { replicates = 0 }", "sweep.replicates")]
    [InlineData("sweep { replicates = 101 }", "at most 100")]
    [InlineData(
        "training { lambda = { log-grid = [1e-5, 1e-1], count = 4000 } }\nsweep { replicates = 3 }",
        "more than sweep.max-trials"
    )]
    public void Bad_replicates_are_refused(string text, string expected) =>
        Assert.Contains(
            expected,
            Assert
                .Throws<Assignment3.Experiments.Configuration.ConfigException>(() => SweepConfig.Parse(text, "r.conf"))
                .Message
        );

    [Fact]
    public void A_coarse_stage_by_successive_halving_can_be_followed_by_a_refinement_around_its_survivors()
    {
        var sweep = SweepConfig.Parse(
            """
            training { lambda = { log-grid = [1e-5, 1e-1], count = 9 }, cycles = 9 }
            sweep {
              schedule { policy = successive-halving, eta = 3, min-budget = 1 }
              stages = [
                {
                  name = fine, from = coarse, top = 2
                  refine { lambda { count = 3, span = 0.5 } }
                  schedule { policy = grid }
                }
              ]
            }
            """,
            "sha-fine.conf"
        );
        Assert.Equal(SuccessiveHalvingSchedule.Instance, sweep.ScheduleOf(0).Kind);
        Assert.Equal(GridSchedule.Instance, sweep.ScheduleOf(1).Kind);

        // The refinement takes the survivors first: a trial trained to the end beats a better one stopped early.
        var state = new SweepState(sweep);
        var plans = state.Current.Plan.Trials().ToArray();
        var next = SweepPlanner.NextStage(
            sweep,
            1,
            [
                new StageResult(plans[0], 0.60, Reached: 1.0 / 9),
                new StageResult(plans[4], 0.50, Reached: 1),
                new StageResult(plans[5], 0.55, Reached: 1),
            ],
            firstId: 10,
            state.Resolved
        );
        Assert.Equal(5, next.Count); // 3 values around each survivor, one of them shared
        Assert.Equal(plans[5].Config.Lambda, next.Trial(11).Config.Lambda, 1e-12);
    }
}
