using System.Diagnostics;
using Assignment3.Core.Data;
using Assignment3.Core.Numerics;
using Assignment3.Core.Training;
using Assignment3.Experiments.Sweeps;
using Assignment3.Sweeps.Protocol;

namespace Assignment3.Sweeps.Trials;

/// <summary>
/// Trains trials on the node's own copy of the data, loaded once and shared read-only by every slot:
/// from scratch or from the hand-out's checkpoint, to the step it was sent to, with a checkpoint at
/// recording points as often as the hand-out asks (what a lost worker's trial goes on from).
/// </summary>
public sealed class CifarTrialRunner(DataSplits data, IGemm gemm) : ITrialRunner
{
    public RunResult Run(AssignTrial trial, Action<CurvePoint> onPoint, Action<TrialCheckpoint> onCheckpoint, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var config = trial.Config;
        var run = trial.Checkpoint is null
            ? TrainingRun.Start(config, data, gemm)
            : TrainingRun.Resume(config, data, gemm, Checkpoint.Read(trial.Checkpoint, config, $"trial {trial.Trial}'s checkpoint"));
        if (run.Step != trial.FromStep)
            throw new CheckpointException($"trial {trial.Trial} was sent to go on from step {trial.FromStep}, but its checkpoint is at step {run.Step}");
        var points = new List<CurvePoint>();
        var (checkpointStep, checkpointAt) = (run.Step, TimeSpan.Zero);
        var segment = run.Advance(trial.EndStep, progress =>
        {
            if (progress.Point is not { } point) return;
            points.Add(point);
            onPoint(point);
            if (run.Step < trial.EndStep && run.Step - checkpointStep >= trial.CheckpointEvery && (clock.Elapsed - checkpointAt).TotalSeconds >= trial.CheckpointSeconds)
            {
                onCheckpoint(new TrialCheckpoint(run.Step, run.Checkpoint().Bytes, points.ToArray(), clock.Elapsed.TotalSeconds));
                (checkpointStep, checkpointAt) = (run.Step, clock.Elapsed);
            }
        }, cancellation);
        if (segment.Status == TrainingStatus.Completed && segment.Step < config.TotalSteps)
        {
            // Paused where the policy decides: the figures at this step, and the state to go on from.
            var last = points[^1];
            return new RunResult(new TrialOutcome(TrialStatus.Completed, last.ValidationAccuracy, double.NaN, last.TrainAccuracy, last.TrainCost,
                segment.Step, clock.Elapsed.TotalSeconds, null, null, points.ToArray()), run.Checkpoint().Bytes);
        }
        var result = Trainer.Result(run, segment, points, clock.Elapsed.TotalSeconds, evaluateTest: trial.TestAccuracy);
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
/// the node trains on it.
/// </summary>
public sealed class CifarRunnerSource(Func<DataOptions, CancellationToken, Task<DataSplits>> load, IGemm gemm) : ITrialRunnerSource
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
        return new PreparedRunner(DataFingerprint.Of(data), new CifarTrialRunner(data, gemm));
    }
}
