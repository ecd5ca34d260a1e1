using Assignment3.Core.Training;
using Assignment3.Experiments.Sweeps;

namespace Assignment3.Tests.Sweeps;

/// <summary>
/// The coordinator's state (<see cref="SweepState.ForDeciding"/>) lets go of final trials nothing decides
/// from any more; it must decide exactly as a full state does, event by event.
/// </summary>
public sealed class DecidingStateTests
{
    /// <summary>
    /// Drives a full state and a deciding one with the same events (hand-outs in groups of up to 3, lost
    /// and timed-out hand-outs, failures, divergences, results in a seeded shuffled order) and compares
    /// what the coordinator reads after each: the next work, counts, the best trial, the steps reached.
    /// Returns both at the end.
    /// </summary>
    private static (SweepState Full, SweepState Deciding) Drive(SweepConfig config, int seed)
    {
        var full = new SweepState(config);
        var deciding = SweepState.ForDeciding(config, []);
        var random = new Random(seed);
        var running = new List<int>();
        void Both(SweepEvent e)
        {
            full.Apply(e);
            deciding.Apply(e);
            Assert.Equal(full.NextWork(), deciding.NextWork());
            Assert.Equal(full.NextGroup(3), deciding.NextGroup(3));
            Assert.Equal(
                (full.Recorded, full.Queued, full.Running, full.Paused, full.StepsReached, full.Best?.Id),
                (
                    deciding.Recorded,
                    deciding.Queued,
                    deciding.Running,
                    deciding.Paused,
                    deciding.StepsReached,
                    deciding.Best?.Id
                )
            );
            Assert.Equal(full.Stages.Count, deciding.Stages.Count);
            foreach (var (a, b) in full.Stages.Zip(deciding.Stages))
                Assert.Equal((a.Fresh, a.FirstNew, a.Final, a.IsDone), (b.Fresh, b.FirstNew, b.Final, b.IsDone));
        }
        while (!full.Completed)
        {
            // Two slots of up to 3 trials each: a group goes out when a slot's trials are all back.
            foreach (var work in running.Count <= 3 ? full.NextGroup(3) : [])
            {
                var attempt = (full.Find(work.Trial)?.Attempt ?? 0) + 1;
                Both(new TrialStarted(work.Trial, attempt, "n", "s", work.FromStep, work.ToStep));
                running.Add(work.Trial);
            }
            if (running.Count == 0)
            {
                Both(full.Current.IsDone && full.NextStage is { } next ? new StageOpened(next) : new SweepCompleted());
                continue;
            }
            var id = running[random.Next(running.Count)];
            running.Remove(id);
            var trial = full.Find(id)!;
            var roll = random.Next(10);
            if (roll == 0)
            {
                Both(new TrialRequeued(id, trial.Attempt, "lost", Charged: random.Next(2) == 0));
                continue;
            }
            var step = trial.TargetStep;
            var accuracy = roll == 1 ? double.NaN : (id * 37 % 23 + 1) / 30.0;
            var point = new CurvePoint(step, 0.1, 1, 1, 0.5, 1, 1, accuracy);
            var outcome =
                roll == 2
                    ? TrialOutcome.Failure("broken")
                    : new TrialOutcome(
                        roll == 1 ? TrialStatus.Diverged : TrialStatus.Completed,
                        accuracy,
                        double.NaN,
                        0.5,
                        1,
                        step,
                        1,
                        null,
                        null,
                        [point]
                    );
            Both(new TrialRecorded(id, trial.Attempt, "n", outcome));
            // A late result of the same trial: both refuse it, the deciding state without keeping the trial.
            var late = new TrialRecorded(id, trial.Attempt, "n", outcome);
            Assert.Throws<InvalidSweepEventException>(() => full.Check(late));
            var refused = Assert.Throws<InvalidSweepEventException>(() => deciding.Check(late));
            if (deciding.IsLetGo(id))
                Assert.Contains("which is recorded already", refused.Message);
            Assert.Throws<InvalidSweepEventException>(() =>
                deciding.Check(new TrialStarted(id, trial.Attempt + 1, "n", "s", 0, step))
            );
        }
        return (full, deciding);
    }

    [Theory]
    [InlineData(false, 5)]
    [InlineData(true, 6)]
    public void A_deciding_state_lets_go_of_a_last_grid_stages_final_trials_but_the_best_and_decides_the_same(
        bool replicated,
        int seed
    )
    {
        // With replicates, every other trial shares a data order: groups take trials ahead of their turn.
        var config = SweepConfigs.EarlyStopping("policy = grid", replicates: replicated ? 2 : 1);
        var (full, deciding) = Drive(config, seed);

        Assert.Equal(full.Planned, full.Trials.Count());
        Assert.Equal([full.Best!.Id], deciding.Trials.Select(t => t.Id));
        Assert.All(full.Trials.Where(t => t != full.Best), t => Assert.True(deciding.IsLetGo(t.Id)));
        Assert.False(deciding.IsLetGo(full.Best.Id));
    }

    [Fact]
    public void A_stage_a_refinement_chooses_from_keeps_its_trials_and_the_refinement_opens_the_same()
    {
        var config = SweepConfigs.Small();
        var (full, deciding) = Drive(config, seed: 7);

        var coarse = full.Stages[0].Plan;
        Assert.Equal(
            full.Trials.Where(t => coarse.Contains(t.Id)).Select(t => t.Id),
            deciding.Trials.Where(t => coarse.Contains(t.Id)).Select(t => t.Id)
        );
        Assert.Equal(
            full.Stages[1].Plan.Trials().Select(t => (t.Config.Lambda, t.Config.BatchNorm, t.Config.Seed)),
            deciding.Stages[1].Plan.Trials().Select(t => (t.Config.Lambda, t.Config.BatchNorm, t.Config.Seed))
        );
        var fine = full.Stages[1].Plan;
        var letGo = Enumerable.Range(fine.FirstId, fine.Count).Where(deciding.IsLetGo);
        Assert.Equal(fine.Trials().Select(t => t.Id).Where(id => id != full.Best!.Id), letGo);
    }

    [Fact]
    public void A_stage_that_stops_early_keeps_its_final_trials_for_its_policy()
    {
        var config = SweepConfigs.EarlyStopping();
        var deciding = SweepState.ForDeciding(config, []);
        var work = deciding.NextWork()!.Value;
        deciding.Apply(new TrialStarted(work.Trial, 1, "n", "s", work.FromStep, work.ToStep));
        deciding.Apply(new TrialRecorded(work.Trial, 1, "n", TrialOutcome.Failure("broken")));

        Assert.NotNull(deciding.Find(work.Trial));
        Assert.False(deciding.IsLetGo(work.Trial));
    }
}
