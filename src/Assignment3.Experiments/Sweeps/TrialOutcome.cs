using Assignment3.Core.Training;

namespace Assignment3.Experiments.Sweeps;

/// <summary>How a trial's run ended: trained to its final budget, cost NaN or infinite, or an exception.</summary>
public enum TrialStatus
{
    Completed,
    Failed,
    Diverged,
}

/// <summary>
/// A trial's final result. Accuracies are NaN unless completed; <see cref="Error"/> is set when
/// failed. <see cref="Curve"/> holds every recording point of the trial, from its first step.
/// </summary>
public sealed record TrialOutcome(
    TrialStatus Status,
    double ValidationAccuracy,
    double TestAccuracy,
    double TrainAccuracy,
    double FinalCost,
    int UpdateSteps,
    double Seconds,
    int? DivergedAtStep,
    string? Error,
    CurvePoint[] Curve
)
{
    public static TrialOutcome Failure(string error, double seconds = 0) =>
        new(TrialStatus.Failed, double.NaN, double.NaN, double.NaN, double.NaN, 0, seconds, null, error, []);
}
