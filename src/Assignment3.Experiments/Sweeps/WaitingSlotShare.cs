namespace Assignment3.Experiments.Sweeps;

/// <summary>
/// How many of a short queue's next trials a slot waiting for work takes as its group, when every
/// other slot is training: the number whose sweep ends soonest, planned in update steps of one trial
/// alone. The slot's group takes its steps times the group's cost per run; the queue's rest (a trial
/// is never split) goes as one group to the slot free first, this one included; the work the running
/// trials' results will release (a rung's promotions still to come) fills whichever slots are free
/// first, as it comes in many trials. Between plans that end the sweep together, the one whose next
/// slot ends sooner (a busy slot far from its end sets the sweep's end whatever a waiting slot takes,
/// and the waiting slots still share the queue), then the larger group. Shared out evenly as if
/// every step could go anywhere, the last two of a rung on 2 slots went out one now and one left
/// queued for the busy slot: it trained 27,000 steps alone after its own 27,000 while the waiting
/// slot could have trained both together.
/// </summary>
public static class WaitingSlotShare
{
    /// <param name="candidateSteps">Steps of each trial the slot could take, in queue order (at most its capacity).</param>
    /// <param name="busySlots">Each busy slot's running trials' steps left.</param>
    /// <param name="otherWaitingSlots">Slots waiting for work besides this one.</param>
    /// <param name="pendingSteps">Steps the running trials' results will release.</param>
    /// <param name="groupRunCost">A run's step time in a group of two or more, as a share of its time alone.</param>
    /// <returns>How many of the candidates to take, from 1 (none when there are none).</returns>
    public static int Take(
        IReadOnlyList<int> candidateSteps,
        IEnumerable<IReadOnlyList<int>> busySlots,
        int otherWaitingSlots,
        double pendingSteps,
        double groupRunCost
    )
    {
        double Work(IEnumerable<int> steps) => WaitingSlotShare.Work(steps.ToArray(), groupRunCost);
        var busy = busySlots.Select(Work).ToArray();
        var (best, bestEnds) = (Math.Min(1, candidateSteps.Count), (double[]?)null);
        for (var k = 1; k <= candidateSteps.Count; k++)
        {
            double[] loads = [Work(candidateSteps.Take(k)), .. new double[otherWaitingSlots], .. busy];
            if (k < candidateSteps.Count)
                loads[Array.IndexOf(loads, loads.Min())] += Work(candidateSteps.Skip(k));
            var level = Filled(loads, pendingSteps * groupRunCost);
            var ends = loads.Select(load => Math.Max(load, level)).OrderDescending().ToArray();
            // A tie goes to the larger group: it trains faster per trial.
            if (bestEnds is null || !Later(ends, bestEnds))
                (best, bestEnds) = (k, ends);
        }
        return best;
    }

    /// <summary>A group's time to train these steps left of each of its runs, in steps of one run alone.</summary>
    public static double Work(IReadOnlyCollection<int> stepsLeft, double groupRunCost) =>
        stepsLeft.Sum(s => (double)s) * (stepsLeft.Count > 1 ? groupRunCost : 1);

    /// <summary>
    /// Whether the slots' ends <paramref name="a"/> come later than <paramref name="b"/> (both latest
    /// first): the sweep's end first, then the next slot's, so that when a busy slot sets the end
    /// alone the waiting slots still share the queue.
    /// </summary>
    private static bool Later(double[] a, double[] b)
    {
        for (var i = 0; i < a.Length; i++)
            if (Math.Abs(a[i] - b[i]) > 1e-9 * Math.Max(a[i], b[i]))
                return a[i] > b[i];
        return false;
    }

    /// <summary>The level <paramref name="work"/> poured over the slots' loads reaches, filling the lowest first.</summary>
    private static double Filled(double[] loads, double work)
    {
        var sorted = loads.Order().ToArray();
        for (var i = 0; ; i++)
        {
            var room = i + 1 < sorted.Length ? (sorted[i + 1] - sorted[i]) * (i + 1) : double.PositiveInfinity;
            if (work <= room)
                return sorted[i] + work / (i + 1);
            work -= room;
        }
    }
}
