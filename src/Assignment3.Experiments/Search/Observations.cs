using Assignment3.Experiments.Objectives;
using Assignment3.Experiments.Sweeps;

namespace Assignment3.Experiments.Search;

/// <summary>
/// What a search learns from its trials: each final trial's losses, and under early stopping the losses at one
/// budget. A diverged trial's accuracies count as chance (a loss of 0.9 on CIFAR-10's ten classes); a failed one
/// is left out.
/// </summary>
public static class Observations
{
    /// <summary>
    /// What a round learns from its final trials: each one's losses under the sweep's objectives and its excess
    /// over each constraint on results (<see cref="TradeOffs.Observe"/>), or, under early stopping (BOHB), the
    /// results at the largest budget (a rung's step) that at least d + 2 trials reached (d: the space's
    /// dimensions), each trial's losses there (<see cref="TradeOffs.ObserveAt"/>), as Falkner et al. (2018) fit their
    /// model; none when no budget has enough (the method then proposes at random).
    /// </summary>
    public static IReadOnlyList<Observation> Learned(
        IReadOnlyList<(double[] Point, Trial Trial)> learned,
        bool stopsEarly,
        int dimensions,
        TradeOffs tradeOffs
    )
    {
        if (!stopsEarly)
            return learned.Select(l => tradeOffs.Observe(l.Point, l.Trial)).OfType<Observation>().ToArray();
        foreach (var step in learned.Select(l => l.Trial.StepReached).Where(s => s > 0).Distinct().OrderDescending())
        {
            var observed = learned
                .Select(l => tradeOffs.ObserveAt(l.Point, l.Trial, step))
                .OfType<Observation>()
                .ToArray();
            if (observed.Length >= dimensions + 2)
                return observed;
        }
        return [];
    }
}
