using Assignment3.Core.Numerics;

namespace Assignment3.Experiments.Search;

/// <summary>
/// A GP posterior for many observations that grows by one observation in O(n^2): the inverse of the
/// lower Cholesky factor of K + (noise + jitter) I, kept explicitly and bordered for each new point
/// (for L L^T = K: the new row of L^-1 is [-l^T L^-1, 1] / d with l = L^-1 k, d^2 = k(x, x) + noise +
/// jitter - l.l), and w = L^-1 y. A believed point costs a copy and a border instead of a
/// refactorization; predictions at m points are one GEMM, V = L^-1 K(X, at) (n x n times n x m), on our
/// kernels: mean = V^T w, variance = signal - the column sums of V^2. Every sum runs in a fixed order
/// (the kernels' FMA chains, <see cref="Elementwise.Dot"/>): the same bits on every CPU.
/// </summary>
internal sealed class GrowingPosterior
{
    // Our kernels with one tiling forced: any tiling gives the same bits, and a forced one spares measuring
    // each of the many shapes a search goes through.
    private static readonly SimdGemm Gemm = new(SimdGemm.Best(), GemmTiling.MainThenRemainder);

    private readonly MaternKernel kernel;
    private readonly double[][] inputs;

    /// <summary>L^-1, n x n, column-major, lower triangular.</summary>
    private readonly Mat<double> inverseFactor;

    /// <summary>L^-1 y, n.</summary>
    private readonly double[] whitened;

    private GrowingPosterior(MaternKernel kernel, double[][] inputs, Mat<double> inverseFactor, double[] whitened)
    {
        this.kernel = kernel;
        this.inputs = inputs;
        this.inverseFactor = inverseFactor;
        this.whitened = whitened;
    }

    public static GrowingPosterior Of(MaternKernel kernel, double[][] inputs, double[] targets)
    {
        var posterior = new GrowingPosterior(
            kernel,
            inputs,
            new Mat<double>(inputs.Length, inputs.Length),
            new double[inputs.Length]
        );
        for (var c = 0; c < inputs.Length; c++)
            posterior.Border(c, targets[c]);
        return posterior;
    }

    /// <summary>A new posterior with one more observation; this one is unchanged.</summary>
    public GrowingPosterior With(double[] input, double target)
    {
        var n = inputs.Length;
        var grown = new Mat<double>(n + 1, n + 1);
        for (var j = 0; j < n; j++)
            inverseFactor.Data.AsSpan(j * n + j, n - j).CopyTo(grown.Data.AsSpan(j * (n + 1) + j, n - j));
        var posterior = new GrowingPosterior(kernel, [.. inputs, input], grown, [.. whitened, 0]);
        posterior.Border(n, target);
        return posterior;
    }

    /// <summary>Fills row <paramref name="c"/> of L^-1 and w[c] from rows 0..c-1 (the matrix's row count is its stride).</summary>
    private void Border(int c, double target)
    {
        var stride = inverseFactor.Rows;
        var data = inverseFactor.Data;
        var x = inputs[c];
        // l = L^-1 k, column by column: l[j..c) += k[j] * (L^-1)[j..c, j]
        var l = new double[c];
        for (var j = 0; j < c; j++)
        {
            var column = data.AsSpan(j * stride + j, c - j);
            Elementwise.ScaleThenAdd<double>(column, kernel.Covariance(inputs[j], x), l.AsSpan(j), l.AsSpan(j));
        }
        var squared = kernel.Covariance(x, x) + kernel.Noise + GaussianProcess.Jitter - Elementwise.Dot(l, l);
        // Rounding can take d^2 to 0 or below for a point (nearly) observed before: it then counts as noisier.
        var d = Math.Sqrt(Math.Max(squared, GaussianProcess.Jitter));
        for (var j = 0; j < c; j++)
            data[c + j * stride] = -Elementwise.Dot(l.AsSpan(j), data.AsSpan(j * stride + j, c - j)) / d;
        data[c + c * stride] = 1 / d;
        whitened[c] = (target - Elementwise.Dot(l, whitened.AsSpan(0, c))) / d;
    }

    /// <summary>Posterior mean and standard deviation of the latent function at each input (standardized units).</summary>
    public (double[] Mean, double[] Sd) Predict(IReadOnlyList<double[]> at)
    {
        var n = inputs.Length;
        var cross = new Mat<double>(n, at.Count);
        for (var j = 0; j < at.Count; j++)
        for (var i = 0; i < n; i++)
            cross[i, j] = kernel.Covariance(inputs[i], at[j]);
        var projected = new Mat<double>(n, at.Count);
        Gemm.Gemm(false, false, 1.0, inverseFactor, cross, 0.0, projected);
        var mean = new double[at.Count];
        var sd = new double[at.Count];
        for (var j = 0; j < at.Count; j++)
        {
            var v = projected.Column(j);
            mean[j] = Elementwise.Dot(v, whitened);
            sd[j] = Math.Sqrt(Math.Max(kernel.Signal - Elementwise.Dot(v, v), 1e-12));
        }
        return (mean, sd);
    }
}
