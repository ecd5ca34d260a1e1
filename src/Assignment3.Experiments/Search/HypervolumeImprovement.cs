using MathNet.Numerics.Distributions;

namespace Assignment3.Experiments.Search;

/// <summary>
/// Expected hypervolume improvement (Emmerich et al. 2006), exactly, for independent Gaussian predictions of
/// each objective (all minimized): the region a new point y would add to a front's dominated hypervolume is
/// the part of the <see cref="Pareto.NonDominatedBoxes"/> at or above y, so its expected volume is the sum over
/// the boxes of the product over objectives of E[max(0, upper - max(lower, y_k))], each in closed form.
/// The boxes' corners take few distinct values per objective, so a candidate's normal CDF and density are
/// computed once per value, not once per box.
/// </summary>
public sealed class HypervolumeImprovement
{
    private readonly double[][] grid; // per objective: the boxes' distinct finite corner values, ascending
    private readonly (int[] Lower, int[] Upper)[] boxes; // per box, per objective: index into grid (-1: -infinity)

    public HypervolumeImprovement(IReadOnlyList<IReadOnlyList<double>> front, IReadOnlyList<double> reference)
    {
        var raw = Pareto.NonDominatedBoxes(front, reference);
        var m = reference.Count;
        grid = Enumerable
            .Range(0, m)
            .Select(k =>
                raw.SelectMany(b => new[] { b.Lower[k], b.Upper[k] })
                    .Where(double.IsFinite)
                    .Distinct()
                    .Order()
                    .ToArray()
            )
            .ToArray();
        boxes = raw.Select(b =>
                (
                    Enumerable.Range(0, m).Select(k => Index(k, b.Lower[k])).ToArray(),
                    Enumerable.Range(0, m).Select(k => Index(k, b.Upper[k])).ToArray()
                )
            )
            .ToArray();
    }

    private int Index(int k, double value) => double.IsFinite(value) ? Array.BinarySearch(grid[k], value) : -1;

    /// <summary>The expected improvement of a point predicted as N(mean_k, sd_k^2) in each objective.</summary>
    public double Expected(IReadOnlyList<double> mean, IReadOnlyList<double> sd)
    {
        var m = grid.Length;
        var cdf = new double[m][];
        var pdf = new double[m][];
        for (var k = 0; k < m; k++)
        {
            (cdf[k], pdf[k]) = (new double[grid[k].Length], new double[grid[k].Length]);
            for (var i = 0; i < grid[k].Length; i++)
                if (sd[k] > 0)
                {
                    var z = (grid[k][i] - mean[k]) / sd[k];
                    (cdf[k][i], pdf[k][i]) = (Normal.CDF(0, 1, z), Normal.PDF(0, 1, z));
                }
        }
        var total = 0.0;
        foreach (var (lower, upper) in boxes)
        {
            var product = 1.0;
            for (var k = 0; k < m && product > 0; k++)
                product *= Gain(k, lower[k], upper[k], mean[k], sd[k], cdf[k], pdf[k]);
            total += product;
        }
        return total;
    }

    /// <summary>E[max(0, b - max(a, Y))] for Y ~ N(mean, sd^2), a and b the grid's values at the indices (a = -infinity at -1).</summary>
    private double Gain(int k, int a, int b, double mean, double sd, double[] cdf, double[] pdf)
    {
        var upper = grid[k][b];
        if (!(sd > 0))
            return Math.Max(0, upper - (a < 0 ? mean : Math.Max(grid[k][a], mean)));
        // E[(b - Y) 1{a < Y < b}] = (b - mean)(Phi(beta) - Phi(alpha)) + sd (phi(beta) - phi(alpha)); below a the gain is b - a.
        var (cdfA, pdfA) = a < 0 ? (0.0, 0.0) : (cdf[a], pdf[a]);
        var below = a < 0 ? 0 : (upper - grid[k][a]) * cdfA;
        return below + (upper - mean) * (cdf[b] - cdfA) + sd * (pdf[b] - pdfA);
    }
}
