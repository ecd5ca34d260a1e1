using Assignment3.Core.Training;
using Assignment3.Experiments.Sweeps;
using Assignment3.Sweeps.Protocol;

namespace Assignment3.Sweeps.Trials;

/// <summary>Returns at once without training: measures what the sweep machinery itself costs per trial.</summary>
public sealed class InstantTrialRunner : ITrialRunner
{
    public RunResult Run(AssignTrial trial, Action<CurvePoint> onPoint, Action<TrialCheckpoint> onCheckpoint, CancellationToken cancellation) =>
        new(new TrialOutcome(TrialStatus.Completed, 0.5, double.NaN, 0.5, 1.0, trial.EndStep, 0, null, null, []),
            trial.EndStep < trial.Config.TotalSteps ? [] : null);
}
