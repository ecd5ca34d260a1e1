using System.Diagnostics;
using Assignment3.Core.Benchmarks;
using Assignment3.Core.Data;
using Assignment3.Core.Numerics;
using Assignment3.Core.Training;
using Assignment3.Experiments.Sweeps;
using Assignment3.Storage;
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
        foreach (
            var together in members.GroupBy(m =>
                (m.Member.Run.Step, m.Member.Run.Config.BatchSize, m.Member.Run.Config.OrderSeed)
            )
        )
        {
            try
            {
                TrainingGroup.Advance(together.Select(m => m.Member).ToArray());
            }
            catch (Exception e)
            {
                foreach (var (trial, _) in together.Where(m => !m.Trial.Cancellation.IsCancellationRequested))
                    trial.OnFinished(TrialRunners.Failure(e));
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
            : TrainingRun.Resume(
                config,
                data,
                gemm,
                Checkpoint.Read(trial.Checkpoint, config, $"trial {trial.Trial}'s checkpoint")
            );
        if (run.Step != trial.FromStep)
            throw new CheckpointException(
                $"trial {trial.Trial} was sent to go on from step {trial.FromStep}, but its checkpoint is at step {run.Step}"
            );
        var points = new List<CurvePoint>();
        var (checkpointStep, checkpointAt) = (run.Step, TimeSpan.Zero);
        // Ends the trial's part in the group: cancelled by the worker, or released here.
        var leave = CancellationTokenSource.CreateLinkedTokenSource(handout.Cancellation);
        void OnProgress(TrainingProgress progress)
        {
            if (progress.Point is not { } point)
                return;
            points.Add(point);
            handout.OnPoint(point);
            if (handout.Release.IsCancellationRequested && run.Step < trial.EndStep && !leave.IsCancellationRequested)
            {
                var checkpoint = run.Checkpoint().Bytes;
                handout.OnCheckpoint(
                    new TrialCheckpoint(run.Step, checkpoint, [.. points], progress.Seconds, Released: true)
                );
                leave.Cancel();
                return;
            }
            if (
                run.Step < trial.EndStep
                && run.Step - checkpointStep >= trial.CheckpointEvery
                && (clock.Elapsed - checkpointAt).TotalSeconds >= trial.CheckpointSeconds
            )
            {
                handout.OnCheckpoint(
                    new TrialCheckpoint(run.Step, run.Checkpoint().Bytes, points.ToArray(), progress.Seconds)
                );
                (checkpointStep, checkpointAt) = (run.Step, clock.Elapsed);
            }
        }
        void OnEnded(TrainingSegment segment)
        {
            leave.Dispose();
            if (segment.Status == TrainingStatus.Cancelled)
                return;
            handout.OnFinished(Result(trial, run, segment, points));
        }
        return new GroupMember(run, trial.EndStep, OnProgress, leave.Token, OnEnded);
    }

    private static RunResult Result(
        AssignTrial trial,
        TrainingRun run,
        TrainingSegment segment,
        List<CurvePoint> points
    )
    {
        var config = trial.Config;
        if (segment.Status == TrainingStatus.Completed && segment.Step < config.TotalSteps)
        {
            // Paused where the policy decides: the figures at this step, and the state to go on from.
            var last = points[^1];
            return new RunResult(
                new TrialOutcome(
                    TrialStatus.Completed,
                    last.ValidationAccuracy,
                    double.NaN,
                    last.TrainAccuracy,
                    last.TrainCost,
                    segment.Step,
                    segment.Seconds,
                    null,
                    null,
                    points.ToArray()
                ),
                run.Checkpoint().Bytes
            );
        }
        var result = Trainer.Result(run, segment, points, segment.Seconds, evaluateTest: trial.TestAccuracy);
        return new RunResult(
            new TrialOutcome(
                result.Status == TrainingStatus.Completed ? TrialStatus.Completed : TrialStatus.Diverged,
                result.ValidationAccuracy,
                result.TestAccuracy,
                result.TrainAccuracy,
                result.FinalCost,
                result.UpdateSteps,
                result.Seconds,
                result.DivergedAtStep,
                null,
                result.Curve.ToArray()
            )
        );
    }
}

/// <summary>
/// CIFAR-10 from one location, loaded when a sweep names its split and kept for the next sweep with
/// the same options (only the latest split is kept: one copy of the data per node); every slot of
/// the node trains on it, in groups of up to <paramref name="capacity"/> trials (null: the size this
/// core trains fastest, kept in <paramref name="measured"/> or else measured on the data the first
/// time a sweep sizes its groups itself).
/// </summary>
public sealed class CifarRunnerSource(
    Func<DataOptions, CancellationToken, Task<DataSplits>> load,
    IGemm gemm,
    GroupSizeCache measured,
    int? capacity = null
) : ITrialRunnerSource
{
    private sealed record Loaded(
        DataOptions Options,
        Task<(DataSplits Data, string Fingerprint)> Data,
        Lazy<Task<int>> Fastest
    );

    private readonly Lock gate = new();
    private Loaded? latest;

    public Task<PreparedRunner> PrepareAsync(DataOptions options, bool measureCapacity, CancellationToken cancellation)
    {
        Loaded loaded;
        lock (gate)
        {
            if (latest is not { } l || l.Options != options || l.Data.IsFaulted || l.Data.IsCanceled)
            {
                var data = Load(options, cancellation);
                latest = l = new Loaded(options, data, new Lazy<Task<int>>(() => Fastest(data)));
            }
            loaded = l;
        }
        // Only a sweep that sizes its groups itself (group-size = auto) needs the measurement.
        var slots =
            capacity is { } given ? Task.FromResult(given)
            : measureCapacity ? loaded.Fastest.Value
            : Task.FromResult(1);
        return Prepare(loaded.Data, slots);
    }

    private async Task<(DataSplits, string)> Load(DataOptions options, CancellationToken cancellation)
    {
        var data = await load(options, cancellation);
        return (data, DataFingerprint.Of(data));
    }

    private async Task<int> Fastest(Task<(DataSplits Data, string)> loaded)
    {
        var data = (await loaded).Data;
        return await Task.Run(() => measured.Fastest(gemm.Name, () => GroupSizes.Fastest(data, gemm)));
    }

    private async Task<PreparedRunner> Prepare(Task<(DataSplits Data, string Fingerprint)> loaded, Task<int> capacity)
    {
        var (data, fingerprint) = await loaded;
        return new PreparedRunner(fingerprint, new CifarTrialRunner(data, gemm, await capacity));
    }
}
