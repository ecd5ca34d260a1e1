using System.Text.Json;
using Assignment3.Core.Training;
using Assignment3.Experiments.Scheduling;
using Assignment3.Experiments.Sweeps;
using Assignment3.Storage;
using Assignment3.Sweeps.Protocol;

namespace Assignment3.Tests.Sweeps;

/// <summary>
/// Successive halving, Hyperband and the median rule on real actor systems with the fake trainer
/// (whose accuracy is a fixed function of config and step): who goes on, what it costs, and that none
/// of it depends on slots, arrival order or timing.
/// </summary>
public sealed class EarlyStoppingTests : IDisposable
{
    private readonly InProcessSweeps sweeps = new("a3-early-");

    private Task<string> Run(SweepConfig config, int slots, Func<AssignTrial, TimeSpan>? delay = null) =>
        sweeps.Run(config, slots, delay);

    private static Func<AssignTrial, TimeSpan> Scrambled(int seed) => InProcessSweeps.Scrambled(seed);

    [Fact]
    public async Task The_threshold_rule_lets_on_exactly_the_trials_at_or_above_its_bar_at_its_budget()
    {
        var config = SweepConfigs.EarlyStopping("policy = threshold, min-budget = 3, min-accuracy = 0.45");
        var folder = await Run(config, slots: 2, Scrambled(seed: 5));

        var rows = SweepFiles.Trials(folder);
        SweepFiles.AssertEveryTrialOnceFinal(folder, 27);
        var plan = new SweepState(config).Current.Plan.Trials().ToArray();
        var passing = plan.Where(t => FakeTrialRunner.AccuracyAt(t.Config, 3 * t.Config.StepsPerCycle) >= 0.45)
            .Select(t => t.Id)
            .ToArray();
        Assert.InRange(passing.Length, 1, 26); // the bar splits the stage
        Assert.Equal(
            passing,
            rows.Where(r => r.Status == "completed" && r["budgetCycles"] == "9").Select(r => r.Trial).Order()
        );
        Assert.Equal(
            plan.Select(t => t.Id).Except(passing),
            rows.Where(r => r.Status == "stopped" && r["budgetCycles"] == "3").Select(r => r.Trial).Order()
        );
        Assert.Contains("threshold (validation accuracy >= 0.450 at 3 cycles)", SweepFiles.Rungs(folder));
    }

    [Fact]
    public async Task Successive_halving_keeps_the_best_third_at_each_rung_and_trains_63_of_243_trial_cycles()
    {
        var config = SweepConfigs.EarlyStopping();
        var folder = await Run(config, slots: 2);

        var rows = SweepFiles.Trials(folder);
        SweepFiles.AssertEveryTrialOnceFinal(folder, 27);
        var byAccuracy = new SweepState(config)
            .Current.Plan.Trials()
            .OrderByDescending(t => FakeTrialRunner.Accuracy(t.Config))
            .ThenBy(t => t.Id)
            .Select(t => t.Id)
            .ToArray();
        int[] Ids(Func<TrialsRow, bool> where) => rows.Where(where).Select(r => r.Trial).Order().ToArray();
        Assert.Equal(byAccuracy.Take(3).Order(), Ids(r => r.Status == "completed" && r["budgetCycles"] == "9"));
        Assert.Equal(
            byAccuracy.Skip(3).Take(6).Order(),
            Ids(r => r.Status == "stopped" && r["budgetCycles"] == "3" && r["rung"] == "1")
        );
        Assert.Equal(
            byAccuracy.Skip(9).Order(),
            Ids(r => r.Status == "stopped" && r["budgetCycles"] == "1" && r["rung"] == "0")
        );

        // Per rung: bracket, rung, budget, entering, results, promoted, stopped (the cut-off accuracy aside).
        var rungs = File.ReadAllLines(Path.Combine(folder, "rungs-coarse.csv"))
            .Skip(1)
            .Select(l => l.Split(','))
            .Select(c => string.Join(",", c[..5].Concat(c[6..])))
            .ToArray();
        Assert.Equal(["0,0,1,27,27,9,18", "0,1,3,9,9,3,6", "0,2,9,3,3,0,0"], rungs);
        Assert.Contains("successive-halving (eta 3, from 1 cycle)", SweepFiles.Rungs(folder));
        var table = SweepFiles.Table(folder);
        Assert.Contains("(stopped at 1 cycle)", table);
        Assert.Contains("(stopped at 3 cycles)", table);

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")));
        var compute = summary.RootElement.GetProperty("compute")[0];
        Assert.Equal(63, compute.GetProperty("trialCycles").GetDouble());
        Assert.Equal(243, compute.GetProperty("fullTrialCycles").GetDouble());
        Assert.Equal(byAccuracy[0], summary.RootElement.GetProperty("best").GetProperty("trial").GetInt32());
    }

    [Theory]
    [InlineData("policy = successive-halving, eta = 3, min-budget = 1")]
    [InlineData("policy = hyperband, eta = 3, min-budget = 1")]
    [InlineData("policy = median, min-budget = 2, min-trials = 3")]
    public async Task Decisions_depend_on_results_alone_not_on_slots_or_the_order_results_arrive_in(string schedule)
    {
        var config = SweepConfigs.EarlyStopping(schedule);
        var one = await Run(config, slots: 1);
        var four = await Run(config, slots: 4, Scrambled(1));
        var three = await Run(config, slots: 3, Scrambled(2));

        foreach (var other in new[] { four, three })
        {
            Assert.Equal(SweepFiles.Table(one), SweepFiles.Table(other));
            Assert.Equal(SweepFiles.Rungs(one), SweepFiles.Rungs(other));
            Assert.Equal(
                SweepFiles.Trials(one).Select(r => (r.Trial, r.Status, r["budgetCycles"], r["validationAccuracy"])),
                SweepFiles.Trials(other).Select(r => (r.Trial, r.Status, r["budgetCycles"], r["validationAccuracy"]))
            );
        }
        SweepFiles.AssertEveryTrialOnceFinal(one, 27);
        Assert.Contains(SweepFiles.Trials(one), r => r.Status == "stopped");
        AssertTotalsKeptEventByEvent(config, three);
    }

    /// <summary>
    /// The state keeps its totals as events come (the live view and the policies read them instead of
    /// walking every trial): after each stored event they equal what a walk over every trial gives.
    /// </summary>
    private static void AssertTotalsKeptEventByEvent(SweepConfig config, string folder)
    {
        var state = new SweepState(config);
        foreach (var e in SweepStore.Read(folder).Events)
        {
            state.Apply(e);
            var trials = state.Trials.ToArray();
            Assert.Equal(trials.Sum(t => (long)t.Reached), state.StepsReached);
            Assert.Equal(
                trials.Where(t => t.Phase == TrialPhase.Completed).MaxBy(t => t.Outcome!.ValidationAccuracy),
                state.Best
            );
            foreach (var stage in state.Stages)
            {
                var ofStage = trials.Where(t => stage.Plan.Contains(t.Id)).ToArray();
                int[] In(TrialPhase phase) => ofStage.Where(t => t.Phase == phase).Select(t => t.Id).ToArray();
                Assert.Equal(In(TrialPhase.Running), stage.RunningTrials);
                Assert.Equal(In(TrialPhase.Paused), stage.PausedTrials);
                foreach (var final in Enum.GetValues<TrialPhase>().Where(p => p.IsFinal()))
                    Assert.Equal(In(final).Length, stage.FinalIn(final));
            }
        }
    }

    [Fact]
    public void Hyperband_splits_the_trials_into_brackets_by_a_seeded_shuffle_in_proportion_to_its_bracket_sizes()
    {
        var config = SweepConfigs.EarlyStopping("policy = hyperband, eta = 3, min-budget = 1");
        var plan = new SweepState(config).Current.Plan;

        var first = HyperbandPolicy.Create(plan, eta: 3, minBudget: 1, seed: 3);
        var again = HyperbandPolicy.Create(plan, eta: 3, minBudget: 1, seed: 3);
        var otherSeed = HyperbandPolicy.Create(plan, eta: 3, minBudget: 1, seed: 4);

        // s_max = 2: brackets of 9, 5 and 3 configurations in Hyperband's terms, 27 trials shared 14 : 8 : 5.
        Assert.Equal([14, 8, 5], first.Brackets.Select(b => b.Size));
        Assert.Equal(
            [
                [1, 3, 9],
                [3, 9],
                [9],
            ],
            first.Brackets.Select(b => b.Budgets.ToArray())
        );
        var members = Enumerable.Range(1, 27).Select(id => first.BracketOf(id)).ToArray();
        Assert.Equal(members, Enumerable.Range(1, 27).Select(id => again.BracketOf(id)));
        Assert.NotEqual(members, Enumerable.Range(1, 27).Select(id => otherSeed.BracketOf(id)));
    }

    /// <summary>
    /// Trains a sweep state's stage with results in a seeded shuffled order, each decision applied as soon
    /// as it is made, <paramref name="check"/> after every event: every trial's accuracy a fixed function
    /// of its id and step, and a trial diverges at the end of a hand-out where <paramref name="diverges"/>
    /// says (with a point whose accuracy is NaN).
    /// </summary>
    private static void TrainShuffled(SweepState state, int seed, Func<Trial, bool> diverges, Action check)
    {
        var random = new Random(seed);
        var running = new List<int>();
        void Serve()
        {
            while (state.NextWork() is { } work)
            {
                var attempt = (state.Find(work.Trial)?.Attempt ?? 0) + 1;
                state.Apply(new TrialStarted(work.Trial, attempt, "n", "s", work.FromStep, work.ToStep));
                running.Add(work.Trial);
            }
        }
        Serve();
        while (running.Count > 0)
        {
            var id = running[random.Next(running.Count)];
            running.Remove(id);
            var trial = state.Find(id)!;
            var (step, diverged) = (trial.TargetStep, diverges(trial));
            var accuracy = diverged ? double.NaN : (id * 37 % 27 + 1) / 30.0 + step * 1e-4;
            var point = new CurvePoint(step, 0.1, 1, 1, 0.5, 1, 1, accuracy);
            var status = diverged ? TrialStatus.Diverged : TrialStatus.Completed;
            var outcome = new TrialOutcome(status, accuracy, double.NaN, 0.5, 1, step, 1, null, null, [point]);
            state.Apply(
                step < trial.Plan.Config.TotalSteps && !diverged
                    ? new TrialPaused(id, trial.Attempt, "n", outcome)
                    : new TrialRecorded(id, trial.Attempt, "n", trial.Whole(outcome))
            );
            check();
            IReadOnlyList<SweepEvent> decisions;
            while ((decisions = state.Decisions()).Count > 0)
                foreach (var decision in decisions)
                {
                    state.Apply(decision);
                    check();
                }
            Serve();
        }
        Assert.True(state.Current.IsDone);
    }

    [Theory]
    [InlineData("policy = successive-halving, eta = 3, min-budget = 1", 11)]
    [InlineData("policy = hyperband, eta = 3, min-budget = 1", 12)]
    public void Successive_halving_keeps_its_rungs_as_counting_every_trial_would_whatever_order_results_come_in(
        string schedule,
        int seed
    )
    {
        // The policy keeps tallies as trials change; here they are checked after every event against
        // counts taken from the trials themselves, with two trials diverging (one before its first rung,
        // one after it).
        var state = new SweepState(SweepConfigs.EarlyStopping(schedule));
        var stage = state.Current;
        var policy = (SuccessiveHalvingPolicy)stage.Policy;
        var cycle = stage.Plan.Trial(stage.Plan.FirstId).Config.StepsPerCycle;
        int StepAt(int id, int rung) => policy.Brackets[policy.BracketOf(id) ?? 0].Budgets[rung] * cycle;
        void CheckRungs()
        {
            foreach (var row in stage.Policy.Rungs(stage, state))
            {
                var entered = Enumerable
                    .Range(stage.Plan.FirstId, stage.Plan.Count)
                    .Where(id => (policy.BracketOf(id) ?? 0) == row.Bracket)
                    .Select(state.Find)
                    .Where(t => row.Rung == 0 || t?.Rung >= row.Rung)
                    .ToArray();
                var results = entered.Count(t =>
                    t is not null
                    && (t.ValidationAccuracyAt(StepAt(t.Id, row.Rung)) is { } a && double.IsFinite(a) || t.IsFinal)
                );
                Assert.Equal(entered.Length, row.Entering);
                Assert.Equal(results, row.Results);
                Assert.Equal(entered.Count(t => t?.Phase == TrialPhase.Stopped && t.Rung == row.Rung), row.Stopped);
                if (row.Rung + 1 < policy.Brackets[row.Bracket].Budgets.Count)
                    Assert.Equal(entered.Count(t => t?.Rung > row.Rung), row.Promoted);
            }
        }
        TrainShuffled(
            state,
            seed,
            t => t.Id == stage.Plan.FirstId + 4 && t.TargetStep == StepAt(t.Id, 0) || t.Rung == 1 && t.Id % 2 == 0,
            CheckRungs
        );

        // Knowing every result, each rung promoted exactly its best (by accuracy, then id).
        foreach (var bracket in policy.Brackets)
        foreach (var rung in Enumerable.Range(0, bracket.Budgets.Count - 1))
        {
            var entered = state
                .Trials.Where(t => (policy.BracketOf(t.Id) ?? 0) == bracket.Index && (rung == 0 || t.Rung >= rung))
                .ToArray();
            var best = entered
                .Where(t => t.ValidationAccuracyAt(StepAt(t.Id, rung)) is { } a && double.IsFinite(a))
                .OrderByDescending(t => t.ValidationAccuracyAt(StepAt(t.Id, rung)))
                .ThenBy(t => t.Id)
                .Take(bracket.Promotions(rung))
                .Select(t => t.Id);
            Assert.Equal(best.Order(), entered.Where(t => t.Rung > rung).Select(t => t.Id).Order());
        }
    }

    [Fact]
    public void The_median_rule_decides_each_trial_by_the_trials_before_it_whatever_order_results_come_in()
    {
        // Decided as results come (each once every earlier trial got to the cycle or ended), checked
        // at the end against the median of the earlier trials' best-so-far, from the final curves.
        var state = new SweepState(SweepConfigs.EarlyStopping("policy = median, min-budget = 2, min-trials = 3"));
        var stage = state.Current;
        var cycle = stage.Plan.Trial(stage.Plan.FirstId).Config.StepsPerCycle;
        TrainShuffled(state, seed: 13, t => t.Id % 9 == 4 && t.TargetStep == 3 * cycle, () => { });

        var trials = state.Trials.OrderBy(t => t.Id).ToArray();
        var decided = 0;
        foreach (var trial in trials.Where(t => t.Phase != TrialPhase.Diverged))
            for (var c = 2; c * cycle <= trial.CheckpointStep && c < trial.Plan.Config.Cycles; c++)
            {
                var earlier = trials
                    .Where(t => t.Id < trial.Id && t.ValidationAccuracyAt(c * cycle) is not null)
                    .Select(t => t.BestValidationAccuracyUpTo(c * cycle)!.Value)
                    .Order()
                    .ToArray();
                var middle = earlier.Length / 2;
                var below =
                    earlier.Length >= 3
                    && !(
                        trial.BestValidationAccuracyUpTo(c * cycle)
                        >= (earlier.Length % 2 == 1 ? earlier[middle] : (earlier[middle - 1] + earlier[middle]) / 2)
                    );
                var stoppedHere = trial.Phase == TrialPhase.Stopped && trial.CheckpointStep == c * cycle;
                Assert.Equal(below, stoppedHere);
                decided++;
            }
        Assert.True(decided > 2 * trials.Length, $"{decided} decisions checked");
        Assert.Contains(trials, t => t.Phase == TrialPhase.Stopped);
        Assert.Contains(trials, t => t.Phase == TrialPhase.Completed);
    }

    [Fact]
    public void Successive_halving_counts_the_promotions_its_running_trials_will_release()
    {
        var state = new SweepState(SweepConfigs.EarlyStopping()); // 27 -> 9 -> 3 at 1, 3 and 9 cycles
        var stage = state.Current;
        var ids = stage.Plan.Trials().Select(t => t.Id).ToArray();
        var cycle = stage.Plan.Trial(ids[0]).Config.StepsPerCycle;
        double Pending() => stage.Policy.PendingSteps(stage, state);
        void Decide()
        {
            foreach (var decision in stage.Policy.Decide(stage, state).ToArray())
                state.Apply(decision);
        }
        foreach (var id in ids)
            state.Apply(new TrialStarted(id, 1, "node", "slot-1", 0, cycle));
        Assert.Equal(9 * 2 * cycle, Pending()); // rung 0's nine promotions, each from 1 to 3 cycles

        // 20 results, the best first: the best two go on at once, eleven stop, seven wait for the seven still running.
        TrialOutcome Paused(double accuracy) =>
            new(
                TrialStatus.Completed,
                accuracy,
                double.NaN,
                accuracy,
                1,
                cycle,
                1,
                null,
                null,
                [new CurvePoint(cycle, 0.1, 1, 1, accuracy, 1, 1, accuracy)]
            );
        foreach (var (id, k) in ids.Take(20).Select((id, k) => (id, k)))
            state.Apply(new TrialPaused(id, 1, "node", Paused(0.9 - 0.01 * k)));
        Decide();
        Assert.Equal([ids[0], ids[1]], ids.Where(id => state.Find(id)!.Phase == TrialPhase.Promoted));
        Assert.Equal(7 * 2 * cycle, Pending());

        // Both promoted start: rung 1's promotions are not counted before rung 0 is settled.
        foreach (var id in ids.Take(2))
            state.Apply(new TrialStarted(id, 2, "node", "slot-1", cycle, 3 * cycle));
        Assert.Equal(7 * 2 * cycle, Pending());

        // The seven stop far below: rung 0 is settled, but seven of rung 1's entrants wait for a slot.
        foreach (var id in ids.Skip(20))
            state.Apply(new TrialPaused(id, 1, "node", Paused(0.1)));
        Decide();
        Assert.Equal(0, Pending());

        // All nine running to rung 1: its three promotions are to come, each from 3 to 9 cycles.
        foreach (var id in ids.Skip(2).Take(7))
            state.Apply(new TrialStarted(id, 2, "node", "slot-1", cycle, 3 * cycle));
        Assert.Equal(3 * 6 * cycle, Pending());
        Assert.Equal(0, ((IStagePolicy)GridPolicy.Instance).PendingSteps(stage, state));
    }

    [Fact]
    public async Task The_median_rule_stops_a_trial_below_the_median_of_the_earlier_trials_at_the_same_cycle()
    {
        // Accuracy falls with the trial id here (lambda moves away from 1e-3), so from the third trial
        // on (two earlier ones make min-trials) each is below the median at its first decision.
        var config = SweepConfig.Parse(
            """
            name = median
            network { hidden = [4], batch-norm = true }
            training { lambda = { log-grid = [1e-3, 1e-1], count = 6 }, step-size = 5, cycles = 3, batch-size = 10, points-per-cycle = 2 }
            sweep { seed = 3, schedule { policy = median, min-budget = 1, min-trials = 2 } }
            """,
            "median.conf"
        );

        var folder = await Run(config, slots: 2, Scrambled(3));

        var rows = SweepFiles.Trials(folder);
        Assert.Equal([1, 2], rows.Where(r => r.Status == "completed").Select(r => r.Trial).Order());
        Assert.All(rows.Where(r => r.Trial > 2), r => Assert.Equal(("stopped", "1"), (r.Status, r["budgetCycles"])));
    }

    public void Dispose() => sweeps.Dispose();
}
