namespace Assignment3.Experiments.Search;

/// <summary>
/// Pareto dominance over objective vectors, every objective minimized (a maximized one enters negated):
/// non-dominated ranks (Deb et al.'s fast non-dominated sort) and the hypervolume a set dominates up to a
/// reference point (exact, by slicing along the last objective: O(n^2 log n) in 3-D, enough for the fronts
/// a sweep has). Pure and in a fixed order, so several objectives stay as reproducible as one.
/// </summary>
public static class Pareto
{
    /// <summary>a is no worse than b in every objective and better in one.</summary>
    public static bool Dominates(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count != b.Count)
            throw new ArgumentException($"objective vectors of {a.Count} and {b.Count} values");
        var better = false;
        for (var k = 0; k < a.Count; k++)
        {
            if (a[k] > b[k])
                return false;
            better |= a[k] < b[k];
        }
        return better;
    }

    /// <summary>Rank of each point: 0 for the non-dominated, 1 for those only the rank-0 points dominate, and so on.</summary>
    public static int[] Ranks(IReadOnlyList<IReadOnlyList<double>> points)
    {
        var n = points.Count;
        var dominatedBy = new int[n];
        var dominates = Enumerable.Range(0, n).Select(_ => new List<int>()).ToArray();
        for (var i = 0; i < n; i++)
        for (var j = i + 1; j < n; j++)
            if (Dominates(points[i], points[j]))
            {
                dominates[i].Add(j);
                dominatedBy[j]++;
            }
            else if (Dominates(points[j], points[i]))
            {
                dominates[j].Add(i);
                dominatedBy[i]++;
            }
        var ranks = new int[n];
        var current = Enumerable.Range(0, n).Where(i => dominatedBy[i] == 0).ToList();
        for (var rank = 0; current.Count > 0; rank++)
        {
            var next = new List<int>();
            foreach (var i in current)
            {
                ranks[i] = rank;
                foreach (var j in dominates[i])
                    if (--dominatedBy[j] == 0)
                        next.Add(j);
            }
            current = next;
        }
        return ranks;
    }

    /// <summary>
    /// Indices of the non-dominated points, in their order (equal vectors are all kept): rank 0 of <see cref="Ranks"/>,
    /// found by comparing each point with the front so far only, O(n f) for a front of f (a sweep's output
    /// rewrites find one among thousands of trials).
    /// </summary>
    public static int[] Front(IReadOnlyList<IReadOnlyList<double>> points)
    {
        var front = new List<int>();
        for (var i = 0; i < points.Count; i++)
        {
            if (front.Any(j => Dominates(points[j], points[i])))
                continue;
            front.RemoveAll(j => Dominates(points[i], points[j]));
            front.Add(i);
        }
        front.Sort();
        return front.ToArray();
    }

    /// <summary>
    /// The volume of the region the points dominate and the reference bounds: {y : p &lt;= y &lt;= reference
    /// for some point p}. Points not strictly better than the reference in every objective add nothing.
    /// </summary>
    public static double Hypervolume(IReadOnlyList<IReadOnlyList<double>> points, IReadOnlyList<double> reference)
    {
        if (points.FirstOrDefault(p => p.Count != reference.Count) is { } odd)
            throw new ArgumentException(
                $"a point of {odd.Count} objectives against a reference point of {reference.Count}"
            );
        var inside = points.Where(p => p.Select((v, k) => v < reference[k]).All(b => b)).Select(p => p.ToArray());
        return Volume(inside.ToList(), reference.ToArray());
    }

    /// <summary>
    /// Disjoint boxes covering the part of the reference box no point weakly dominates: {z &lt; reference : no
    /// point p &lt;= z}, each as (lower, upper) corners; a lower corner may be -infinity (the region reaches
    /// below every point). Slices along the last objective as <see cref="Hypervolume"/> does: between
    /// consecutive values of it, the boxes of the points at or below, one objective fewer. O(n) boxes in 2-D,
    /// O(n^2) in 3-D. What expected hypervolume improvement sums over.
    /// </summary>
    public static List<(double[] Lower, double[] Upper)> NonDominatedBoxes(
        IReadOnlyList<IReadOnlyList<double>> points,
        IReadOnlyList<double> reference
    )
    {
        // Only the non-dominated shape the region: dropping the rest first keeps every slice's front small.
        var inside = points.Where(p => p.Select((v, k) => v < reference[k]).All(b => b)).ToList();
        var front = Front(inside).Select(i => inside[i].ToArray()).ToList();
        var boxes = new List<(double[], double[])>();
        var d = reference.Count;
        Boxes(front, reference.ToArray(), new double[d], new double[d], d, boxes);
        return boxes;
    }

    /// <summary>
    /// Adds the boxes of the first <paramref name="d"/> objectives under <paramref name="points"/>, with the
    /// objectives above d spanning [lower, upper] as the caller sliced them.
    /// </summary>
    private static void Boxes(
        List<double[]> points,
        double[] reference,
        double[] lower,
        double[] upper,
        int d,
        List<(double[], double[])> boxes
    )
    {
        if (points.Count == 0 || d == 1)
        {
            var (l, u) = ((double[])lower.Clone(), (double[])upper.Clone());
            for (var k = 0; k < d; k++)
                (l[k], u[k]) = (double.NegativeInfinity, reference[k]);
            if (points.Count > 0)
                u[0] = points.Min(p => p[0]);
            boxes.Add((l, u));
            return;
        }
        var sorted = points.OrderBy(p => p[d - 1]).ThenBy(p => p[0]).ToList();
        (lower[d - 1], upper[d - 1]) = (double.NegativeInfinity, sorted[0][d - 1]);
        Boxes([], reference, lower, upper, d - 1, boxes);
        var active = new List<double[]>();
        for (var i = 0; i < sorted.Count; i++)
        {
            active.Add(sorted[i]);
            var top = i + 1 < sorted.Count ? sorted[i + 1][d - 1] : reference[d - 1];
            if (top <= sorted[i][d - 1])
                continue;
            (lower[d - 1], upper[d - 1]) = (sorted[i][d - 1], top);
            var projected = active.Select(p => (IReadOnlyList<double>)p[..(d - 1)]).ToList();
            Boxes(Front(projected).Select(j => active[j]).ToList(), reference, lower, upper, d - 1, boxes);
        }
    }

    /// <summary>
    /// Slices along the last objective: between consecutive values of it, the (d-1)-volume of the points at
    /// or below (in 2-D a running minimum of the first objective).
    /// </summary>
    private static double Volume(List<double[]> points, double[] reference)
    {
        var d = reference.Length;
        if (points.Count == 0)
            return 0;
        if (d == 1)
            return reference[0] - points.Min(p => p[0]);
        var sorted = points.OrderBy(p => p[d - 1]).ThenBy(p => p[0]).ToList();
        var volume = 0.0;
        var active = new List<double[]>();
        var least = double.PositiveInfinity;
        for (var i = 0; i < sorted.Count; i++)
        {
            var top = i + 1 < sorted.Count ? sorted[i + 1][d - 1] : reference[d - 1];
            if (d == 2)
                least = Math.Min(least, sorted[i][0]);
            else
                active.Add(sorted[i][..(d - 1)]);
            var height = top - sorted[i][d - 1];
            if (height > 0)
                volume +=
                    height
                    * (
                        d == 2
                            ? reference[0] - least
                            : Volume(
                                d == 3 ? active : Front(active).Select(j => active[j]).ToList(),
                                reference[..(d - 1)]
                            )
                    );
        }
        return volume;
    }
}
