using Assignment3.Core.Data;
using Assignment3.Experiments.Sweeps;

namespace Assignment3.Experiments.Search;

/// <summary>What a search learns from its trials: each final trial's loss, and under early stopping the losses at one budget.</summary>
public static class Observations
{
    /// <summary>The loss of a diverged trial: chance, 1 - 1/classes of the data the trials train on (CIFAR-10's ten: 0.9).</summary>
    public static readonly double ChanceLoss = 1 - 1.0 / Cifar10Format.Classes;

    /// <summary>
    /// The loss a search learns from: 1 - validation accuracy (at its end, or where it was stopped); chance if it
    /// diverged; none if it failed.
    /// </summary>
    public static double? Loss(Trial trial) =>
        trial.Phase switch
        {
            TrialPhase.Completed
            or TrialPhase.Stopped when trial.Outcome?.ValidationAccuracy is { } accuracy && double.IsFinite(accuracy) =>
                1 - accuracy,
            TrialPhase.Diverged => ChanceLoss,
            _ => null,
        };

    /// <summary>A final trial's point with its <see cref="Loss"/>; null when it has none (failed).</summary>
    public static Observation? Of(double[] point, Trial trial) =>
        Loss(trial) is { } loss ? new Observation(point, loss) : null;

    /// <summary>
    /// What a round learns from its final trials: each one's loss, or, under early stopping (BOHB), the
    /// results at the largest budget (a rung's step) that at least d + 2 trials reached (d: the space's
    /// dimensions), each trial's loss there (diverged ones at chance), as Falkner et al. (2018) fit their
    /// model; none when no budget has enough (the method then proposes at random).
    /// </summary>
    public static IReadOnlyList<Observation> Learned(
        IReadOnlyList<(double[] Point, Trial Trial)> learned,
        bool stopsEarly,
        int dimensions
    )
    {
        if (!stopsEarly)
            return learned.Select(l => Of(l.Point, l.Trial)).OfType<Observation>().ToArray();
        foreach (var step in learned.Select(l => l.Trial.StepReached).Where(s => s > 0).Distinct().OrderDescending())
        {
            var observed = learned
                .Select(l =>
                    l.Trial.Phase == TrialPhase.Diverged ? new Observation(l.Point, ChanceLoss)
                    : l.Trial.ValidationAccuracyAt(step) is { } a && double.IsFinite(a)
                        ? new Observation(l.Point, 1 - a)
                    : null
                )
                .OfType<Observation>()
                .ToArray();
            if (observed.Length >= dimensions + 2)
                return observed;
        }
        return [];
    }
}
