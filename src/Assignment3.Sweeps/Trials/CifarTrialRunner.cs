using System.Diagnostics;
using Assignment3.Core.Benchmarks;
using Assignment3.Core.Data;
using Assignment3.Core.Numerics;
using Assignment3.Core.Training;
using Assignment3.Experiments.Sweeps;
using Assignment3.Sweeps.Protocol;

namespace Assignment3.Sweeps.Trials;

/// <summary>
/// Trains trials on the node's own copy of the data, loaded once and shared read-only by every slot:
/// a group hand-out's trials together (<see cref="TrainingGroup"/>: one mini-batch, the first layers'
/// products stacked), each from scratch or from its checkpoint to the step it was sent to, with a
/// checkpoint at recording points as often as the hand-out asks (what a lost worker's trial goes on
/// from). Each trial's numbers are those it gives alone.
/// </summary>
/// <param name="capacity">The group size this core trains fastest (<see cref="GroupSizes.Fastest"/>): the cap of sweep.group-size = auto.</param>
public sealed class CifarTrialRunner(DataSplits data, IGemm gemm, int capacity = 1) : ITrialRunner
{
    public int Capacity => capacity;

    public void Run(IReadOnlyList<GroupTrial> group)
    {
        var clock = Stopwatch.StartNew(); // checkpoints are spaced in wall time: what a lost worker's trials can lose
        var members = new List<(GroupTrial Trial, GroupMember Member)>();
        foreach (var trial in group)
        {
            try
            {
                members.Add((trial, Member(trial, clock)));
            }
            catch (Exception e)
            {
                trial.OnFinished(TrialRunners.Failure(e)); // its checkpoint is refused: it fails alone
            }
        }
        // Trials that cannot share mini-batches (the coordinator does not group such) train one set after another.
        foreach (var together in members.GroupBy(m => (m.Member.Run.Step, m.Member.Run.Config.BatchSize, m.Member.Run.Config.OrderSeed)))
        {
            try
            {
                TrainingGroup.Advance(together.Select(m => m.Member).ToArray());
            }
            catch (Exception e)
            {
                foreach (var (trial, _) in together.Where(m => !m.Trial.Cancellation.IsCancellationRequested)) trial.OnFinished(TrialRunners.Failure(e));
            }
        }
    }

    /// <summary>A trial's run at its hand-out's first step, with its reporting: points, checkpoints, and its result when it leaves.</summary>
    private GroupMember Member(GroupTrial handout, Stopwatch clock)
    {
        var trial = handout.Trial;
        var config = trial.Config;
        var run = trial.Checkpoint is null
            ? TrainingRun.Start(config, data, gemm)
            : TrainingRun.Resume(config, data, gemm, Checkpoint.Read(trial.Checkpoint, config, $"trial {trial.Trial}'s checkpoint"));
        if (run.Step != trial.FromStep)
            throw new CheckpointException($"trial {trial.Trial} was sent to go on from step {trial.FromStep}, but its checkpoint is at step {run.Step}");
        var points = new List<CurvePoint>();
        var (checkpointStep, checkpointAt) = (run.Step, TimeSpan.Zero);
        void OnProgress(TrainingProgress progress)
        {
            if (progress.Point is not { } point) return;
            points.Add(point);
            handout.OnPoint(point);
            if (run.Step < trial.EndStep && run.Step - checkpointStep >= trial.CheckpointEvery && (clock.Elapsed - checkpointAt).TotalSeconds >= trial.CheckpointSeconds)
            {
                handout.OnCheckpoint(new TrialCheckpoint(run.Step, run.Checkpoint().Bytes, points.ToArray(), progress.Seconds));
                (checkpointStep, checkpointAt) = (run.Step, clock.Elapsed);
            }
        }
        void OnEnded(TrainingSegment segment)
        {
            if (segment.Status == TrainingStatus.Cancelled) return;
            handout.OnFinished(Result(trial, run, segment, points));
        }
        return new GroupMember(run, trial.EndStep, OnProgress, handout.Cancellation, OnEnded);
    }

    private static RunResult Result(AssignTrial trial, TrainingRun run, TrainingSegment segment, List<CurvePoint> points)
    {
        var config = trial.Config;
        if (segment.Status == TrainingStatus.Completed && segment.Step < config.TotalSteps)
        {
            // Paused where the policy decides: the figures at this step, and the state to go on from.
            var last = points[^1];
            return new RunResult(new TrialOutcome(TrialStatus.Completed, last.ValidationAccuracy, double.NaN, last.TrainAccuracy, last.TrainCost,
                segment.Step, segment.Seconds, null, null, points.ToArray()), run.Checkpoint().Bytes);
        }
        var result = Trainer.Result(run, segment, points, segment.Seconds, evaluateTest: trial.TestAccuracy);
        return new RunResult(new TrialOutcome(
            result.Status == TrainingStatus.Completed ? TrialStatus.Completed : TrialStatus.Diverged,
            result.ValidationAccuracy,
            result.TestAccuracy,
            result.TrainAccuracy,
            result.FinalCost,
            result.UpdateSteps,
            result.Seconds,
            result.DivergedAtStep,
            null,
            result.Curve.ToArray()));
    }
}

/// <summary>
/// CIFAR-10 from one location, loaded when a sweep names its split and kept for the next sweep with
/// the same options (only the latest split is kept: one copy of the data per node); every slot of
/// the node trains on it, in groups of up to <paramref name="capacity"/> trials (null: the size this
/// core trains fastest, measured on the data once it is loaded).
/// </summary>
public sealed class CifarRunnerSource(Func<DataOptions, CancellationToken, Task<DataSplits>> load, IGemm gemm, int? capacity = null) : ITrialRunnerSource
{
    private readonly Lock gate = new();
    private (DataOptions Options, Task<PreparedRunner> Prepared)? latest;

    public Task<PreparedRunner> PrepareAsync(DataOptions options, CancellationToken cancellation)
    {
        lock (gate)
        {
            if (latest is { } l && l.Options == options && !l.Prepared.IsFaulted && !l.Prepared.IsCanceled) return l.Prepared;
            var prepared = Load(options, cancellation);
            latest = (options, prepared);
            return prepared;
        }
    }

    private async Task<PreparedRunner> Load(DataOptions options, CancellationToken cancellation)
    {
        var data = await load(options, cancellation);
        var slots = capacity ?? await Task.Run(() => GroupSizes.Fastest(data, gemm), cancellation);
        return new PreparedRunner(DataFingerprint.Of(data), new CifarTrialRunner(data, gemm, slots));
    }
}
