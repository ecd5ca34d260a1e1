using Assignment3.Core.Training;
using Assignment3.Experiments.Sweeps;
using Assignment3.Sweeps.Protocol;

namespace Assignment3.Sweeps.Trials;

/// <summary>Returns at once without training: measures what the sweep machinery itself costs per trial.</summary>
public sealed class InstantTrialRunner : ITrialRunner
{
    public TrialOutcome Run(AssignTrial trial, Action<CurvePoint> onPoint, CancellationToken cancellation) =>
        new(TrialStatus.Completed, 0.5, double.NaN, 0.5, 1.0, 0, 0, null, null, []);
}
