using Assignment3.Core.Data;
using Assignment3.Core.Numerics;
using Assignment3.Core.Training;
using Assignment3.Experiments.Sweeps;
using Assignment3.Sweeps.Protocol;

namespace Assignment3.Sweeps.Trials;

/// <summary>Trains trials on the node's own copy of the data, loaded once and shared read-only by every slot.</summary>
public sealed class CifarTrialRunner(DataSplits data, IGemm gemm) : ITrialRunner
{
    public TrialOutcome Run(AssignTrial trial, Action<CurvePoint> onPoint, CancellationToken cancellation)
    {
        var result = Trainer.Train(trial.Config, data, gemm, p => { if (p.Point is { } point) onPoint(point); }, cancellation,
            evaluateTest: trial.TestAccuracy);
        return new TrialOutcome(
            result.Status == TrainingStatus.Completed ? TrialStatus.Completed : TrialStatus.Diverged,
            result.ValidationAccuracy,
            result.TestAccuracy,
            result.TrainAccuracy,
            result.FinalCost,
            result.UpdateSteps,
            result.Seconds,
            result.DivergedAtStep,
            null,
            result.Curve.ToArray());
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
