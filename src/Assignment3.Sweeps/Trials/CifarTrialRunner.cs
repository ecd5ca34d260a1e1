using Assignment3.Core.Data;
using Assignment3.Core.Numerics;
using Assignment3.Core.Training;
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
