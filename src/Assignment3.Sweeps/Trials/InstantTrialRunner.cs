using Assignment3.Core.Training;
using Assignment3.Experiments.Sweeps;
using Assignment3.Sweeps.Protocol;

namespace Assignment3.Sweeps.Trials;

/// <summary>
/// Trains nothing: returns at once (or after a pretend <paramref name="duration"/> per hand-out) with
/// validation accuracy <paramref name="accuracy"/> of the trial's config (0.5 when not given), and a
/// recording point there when the hand-out ends at a decision point of an early-stopping policy (which
/// decides by the points). Measures what the sweep machinery itself costs per trial, and how busy it
/// keeps its slots.
/// </summary>
public sealed class InstantTrialRunner(
    Func<TrainingConfig, double>? accuracy = null,
    Func<AssignTrial, TimeSpan>? duration = null
) : ITrialRunner
{
    public int Capacity => 1;

    public void Run(IReadOnlyList<GroupTrial> group) => TrialRunners.OneAfterAnother(group, Run);

    private RunResult Run(
        AssignTrial trial,
        Action<CurvePoint> onPoint,
        Action<TrialCheckpoint> onCheckpoint,
        CancellationToken cancellation
    )
    {
        if (duration?.Invoke(trial) is { } pretend)
            cancellation.WaitHandle.WaitOne(pretend);
        cancellation.ThrowIfCancellationRequested();
        var value = accuracy?.Invoke(trial.Config) ?? 0.5;
        var pauses = trial.EndStep < trial.Config.TotalSteps;
        CurvePoint[] curve = pauses ? [new CurvePoint(trial.EndStep, 0, 1, 1, value, 1, 1, value)] : [];
        return new(
            new TrialOutcome(TrialStatus.Completed, value, double.NaN, value, 1.0, trial.EndStep, 0, null, null, curve),
            pauses ? [] : null
        );
    }
}
