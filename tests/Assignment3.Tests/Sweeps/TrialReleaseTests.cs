using Assignment3.Core.Training;
using Assignment3.Experiments.Sweeps;
using Assignment3.Sweeps.Protocol;
using Assignment3.Sweeps.Trials;
using Assignment3.Tests.Numerics;
using Assignment3.Tests.Training;

namespace Assignment3.Tests.Sweeps;

/// <summary>
/// A trial released from its group (for a slot with nothing to do) leaves at its next recording point
/// with a checkpoint there and nothing more, the rest of its group goes on, and going on from that
/// checkpoint gives the run it gives alone, bit for bit.
/// </summary>
public class TrialReleaseTests
{
    private static readonly TrainingConfig Config = new()
    {
        Hidden = [12],
        BatchNorm = true,
        BatchSize = 20,
        StepSize = 12,
        Cycles = 2,
        PointsPerCycle = 3, // a point every 8 steps of 48
        EtaMin = 1e-4,
        EtaMax = 0.05,
        TrainEvalSubset = 50,
        DataOrderSeed = 7,
    };

    [Fact]
    public void A_released_trial_leaves_at_its_next_point_and_goes_on_elsewhere_as_if_it_had_never_left()
    {
        var data = TrainingData.Clusters(dimensions: 40, train: 200, validation: 60, test: 40);
        var runner = new CifarTrialRunner(data, TestGemmBackends.Default, capacity: 2);
        var (staying, leaving) = (Config with { Seed = 1, Lambda = 0.01 }, Config with { Seed = 2 });
        using var release = new CancellationTokenSource();
        var checkpoints = new List<TrialCheckpoint>();
        var finished = new Dictionary<int, RunResult>();
        AssignTrial Handout(int trial, TrainingConfig config, int fromStep = 0, byte[]? checkpoint = null) =>
            new(trial, 1, config, false, fromStep, 0, checkpoint, CheckpointEvery: int.MaxValue);

        runner.Run([
            new GroupTrial(Handout(1, staying), _ => { }, _ => { }, r => finished[1] = r, CancellationToken.None),
            new GroupTrial(
                Handout(2, leaving),
                point =>
                {
                    if (point.Step == 16) // asked as it reports step 16: it leaves there
                        release.Cancel();
                },
                checkpoints.Add,
                r => finished[2] = r,
                CancellationToken.None,
                release.Token
            ),
        ]);

        Assert.Equal([1], finished.Keys);
        Assert.Equal(48, finished[1].Outcome.UpdateSteps);
        var released = Assert.Single(checkpoints);
        Assert.True(released.Released);
        Assert.Equal(16, released.Step);
        Assert.Equal([8, 16], released.Points.Select(p => p.Step));

        var alone = new Dictionary<int, RunResult>();
        runner.Run([new GroupTrial(Handout(1, staying), _ => { }, _ => { }, r => alone[1] = r, default)]);
        runner.Run([new GroupTrial(Handout(2, leaving), _ => { }, _ => { }, r => alone[2] = r, default)]);
        runner.Run([
            new GroupTrial(Handout(2, leaving, 16, released.Bytes), _ => { }, _ => { }, r => finished[2] = r, default),
        ]);
        Assert.Equal(alone[1].Outcome.Curve, finished[1].Outcome.Curve);
        Assert.Equal(alone[2].Outcome.Curve, released.Points.Concat(finished[2].Outcome.Curve).ToArray());
        Assert.Equal(alone[2].Outcome.ValidationAccuracy, finished[2].Outcome.ValidationAccuracy);
        Assert.Equal(alone[2].Outcome.FinalCost, finished[2].Outcome.FinalCost);
    }

    [Fact]
    public void A_release_and_the_hand_out_that_goes_on_from_it_count_as_one_attempt_in_trials_csv()
    {
        var point = new CurvePoint(4, 0.1, 1, 1, 0.5, 1, 1, 0.5);
        var outcome = new TrialOutcome(TrialStatus.Completed, 0.5, double.NaN, 0.5, 1, 10, 0.1, null, null, [point]);
        var state = SweepState.Replay(
            SweepConfigs.Small(),
            [
                new TrialStarted(1, 1, "node-a", "slot-1", 0, 10, 1),
                new TrialCheckpointed(1, 1, 4, [point], 0.05),
                new TrialRequeued(1, 1, "released from its group", Charged: false, Released: true),
                new TrialStarted(1, 2, "node-a", "slot-2", 4, 10, 1),
            ]
        );
        Assert.False(state.Find(1)!.Retried); // nothing was lost: the plain lines say nothing of it
        state.Apply(new TrialRecorded(1, 2, "node-a", outcome));

        var trial = state.Find(1)!;
        Assert.Equal((2, 1, 0), (trial.Attempt, trial.CountedAttempts, trial.ChargedAttempts));
        Assert.Equal(1, Assignment3.Storage.SweepFolder.Rows(state).Single(r => r.Trial == 1).Attempts);
        Assert.Equal(AttemptEnd.Released, trial.Attempts[0].End);
    }
}
