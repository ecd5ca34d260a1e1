using Assignment3.Experiments.Configuration;
using Assignment3.Experiments.Sweeps;

namespace Assignment3.Experiments.Search;

/// <summary>
/// Results of earlier search sweeps that a new search learns from from its first model round on
/// (<c>sweep.search.warm-start = [DIR, ...]</c>). An earlier sweep matches when it searched the same
/// keys, each of the same kind, and fixed every other parameter to the same value; its trials whose
/// values lie inside this space's ranges (and choices) count, with their validation accuracy.
/// Read once, when the sweep starts, and stored as its first event (<see cref="SearchWarmStarted"/>),
/// so a resumed sweep learns from exactly the same results even if those folders change.
/// </summary>
public static class WarmStart
{
    public static IReadOnlyList<Observation> From(SweepConfig target, SweepState earlier, string where)
    {
        var space = target.Search!.Space;
        if (earlier.Stages.Select(s => s.Plan).OfType<SearchPlan>().FirstOrDefault() is not { } plan)
            throw new ConfigException(
                $"{where}: that sweep did not search (no sweep.search); a warm start reuses a search's results"
            );
        var old = plan.Search.Space;
        string Keys(SearchSpace s) =>
            string.Join(", ", s.Dimensions.Select(d => $"{d.Key} ({d.Kind.ToString().ToLowerInvariant()})"));
        if (Keys(old) != Keys(space))
            throw new ConfigException(
                $"{where}: that sweep searched {Keys(old)}; this one searches {Keys(space)}; "
                    + "a warm start needs the same keys, of the same kinds"
            );
        var fixedHere = Fixed(target).ToHashSet();
        var fixedThere = Fixed(earlier.Config).ToHashSet();
        foreach (var p in fixedThere.Where(p => !fixedHere.Contains(p)))
            throw new ConfigException(
                $"{where}: that sweep fixed {p}, this one does not; its results would not compare"
            );
        foreach (var p in fixedHere.Where(p => !fixedThere.Contains(p)))
            throw new ConfigException(
                $"{where}: this sweep fixes {p}, that one did not; its results would not compare"
            );
        var observed = new List<Observation>();
        foreach (var (point, loss) in plan.Observed(earlier).Select(o => (o.Point, o.Loss)))
            if (Translate(old, space, point) is { } translated)
                observed.Add(new Observation(translated, loss));
        return observed;
    }

    /// <summary>The parameters a sweep fixes outside its search space, as path=value.</summary>
    private static IEnumerable<string> Fixed(SweepConfig sweep) =>
        sweep.Experiment.Parameters.Select(p => $"{p.Parameter.Path}={p.Parameter.Format(p.Values[0])}");

    /// <summary>An earlier space's point in this space (null: outside its ranges or choices).</summary>
    private static double[]? Translate(SearchSpace from, SearchSpace to, double[] point)
    {
        var result = new double[point.Length];
        for (var i = 0; i < point.Length; i++)
        {
            var (a, b) = (from.Dimensions[i], to.Dimensions[i]);
            if (!from.IsActive(point, i))
            {
                result[i] = b.Min;
                continue;
            }
            if (b.Kind == DimensionKind.Categorical)
            {
                var index = Enumerable
                    .Range(0, b.Choices.Count)
                    .FirstOrDefault(c => b.Format(c) == a.Format(point[i]), -1);
                if (index < 0)
                    return null;
                result[i] = index;
            }
            else if (point[i] < b.Min || point[i] > b.Max)
                return null;
            else
                result[i] = point[i];
        }
        return to.Canonical(result);
    }
}
