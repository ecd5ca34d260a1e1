using System.Numerics;
using Assignment3.Core.Numerics;

namespace Assignment3.Core.Network;

/// <summary>
/// Batch normalization followed by its scale and shift. Shapes: S, SHat, Y m x n;
/// mean, variance, gamma, beta m. Y = gamma * (S - mean) / sqrt(variance + eps) + beta,
/// with the mini-batch mean and biased variance in training and running averages in evaluation.
/// Element-by-element loops (vectorized across features, reductions in column order) and IEEE
/// square roots and divisions: the same bits on every CPU.
/// </summary>
public static class BatchNorm
{
    /// <summary>Training forward: batch statistics into <paramref name="mean"/> and <paramref name="variance"/>.</summary>
    public static void ForwardTrain<T>(
        Mat<T> s,
        T eps,
        T[] mean,
        T[] variance,
        Mat<T> sHat,
        T[] gamma,
        T[] beta,
        Mat<T> y
    )
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var n = T.CreateChecked(s.Cols);
        RowOps.RowSums(s, mean);
        for (var i = 0; i < mean.Length; i++)
            mean[i] /= n;
        // Centre first, then average squares: the two-pass variance stays accurate in float32.
        for (var j = 0; j < s.Cols; j++)
            Elementwise.Subtract(s.Column(j), mean, sHat.Column(j));
        RowOps.RowDots(sHat, sHat, variance);
        for (var i = 0; i < variance.Length; i++)
            variance[i] /= n;
        NormalizeCentred(sHat, eps, variance, gamma, beta, y);
    }

    /// <summary>Evaluation forward with the running statistics.</summary>
    public static void ForwardEval<T>(
        Mat<T> s,
        T eps,
        T[] runningMean,
        T[] runningVariance,
        Mat<T> sHat,
        T[] gamma,
        T[] beta,
        Mat<T> y
    )
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var j = 0; j < s.Cols; j++)
            Elementwise.Subtract(s.Column(j), runningMean, sHat.Column(j));
        NormalizeCentred(sHat, eps, runningVariance, gamma, beta, y);
    }

    // sHat holds S - mean on entry; on exit it is normalized and Y = gamma * sHat + beta: per element
    // sHat = sHat * invStd, then y = sHat * gamma + beta (each product rounded), one pass per column.
    private static void NormalizeCentred<T>(Mat<T> sHat, T eps, T[] variance, T[] gamma, T[] beta, Mat<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> invStd = sHat.Rows <= 512 ? stackalloc T[sHat.Rows] : new T[sHat.Rows];
        InverseStd(variance, eps, invStd);
        var m = sHat.Rows;
        for (var j = 0; j < sHat.Cols; j++)
        {
            var col = sHat.Column(j);
            var output = y.Column(j);
            var i = 0;
            if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
                for (; i + Vector<T>.Count <= m; i += Vector<T>.Count)
                {
                    var normalized = new Vector<T>(col[i..]) * new Vector<T>(invStd[i..]);
                    normalized.CopyTo(col[i..]);
                    (normalized * new Vector<T>(gamma, i) + new Vector<T>(beta, i)).CopyTo(output[i..]);
                }
            for (; i < m; i++)
            {
                col[i] *= invStd[i];
                output[i] = col[i] * gamma[i] + beta[i];
            }
        }
    }

    /// <summary>
    /// Backward through scale/shift and normalization. <paramref name="g"/> is dC/dY on entry and
    /// is overwritten with dC/dS:
    /// dC/dS = gamma / sqrt(var + eps) * (G - mean_j(G) - SHat * mean_j(G * SHat)).
    /// The last term comes from the variance's dependence on S; dropping it is the classic bug.
    /// <paramref name="scratch"/> holds at least 3m values.
    /// </summary>
    public static void Backward<T>(
        Mat<T> g,
        Mat<T> sHat,
        T[] variance,
        T eps,
        T[] gamma,
        T[] gGamma,
        T[] gBeta,
        T[] scratch
    )
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RowOps.RowSums(g, gBeta);
        RowOps.RowDots(g, sHat, gGamma);

        var m = g.Rows;
        var n = T.CreateChecked(g.Cols);
        var scale = scratch.AsSpan(0, m); // gamma / sqrt(var + eps)
        var meanG = scratch.AsSpan(m, m); // mean_j G = gBeta / n
        var minusMeanGSHat = scratch.AsSpan(2 * m, m); // -mean_j (G * SHat) = -gGamma / n
        InverseStd(variance, eps, scale);
        for (var i = 0; i < m; i++)
        {
            scale[i] *= gamma[i];
            meanG[i] = gBeta[i] / n;
            minusMeanGSHat[i] = gGamma[i] / -n;
        }
        // Per element (G - meanG), then + SHat * minusMeanGSHat (the product rounded), then * scale: one pass per column.
        for (var j = 0; j < g.Cols; j++)
        {
            var col = g.Column(j);
            var normalized = sHat.Column(j);
            var i = 0;
            if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
                for (; i + Vector<T>.Count <= m; i += Vector<T>.Count)
                    (
                        (
                            new Vector<T>(col[i..])
                            - new Vector<T>(meanG[i..])
                            + new Vector<T>(normalized[i..]) * new Vector<T>(minusMeanGSHat[i..])
                        ) * new Vector<T>(scale[i..])
                    ).CopyTo(col[i..]);
            for (; i < m; i++)
                col[i] = (col[i] - meanG[i] + normalized[i] * minusMeanGSHat[i]) * scale[i];
        }
    }

    /// <summary>running = batch + (running - batch) * alpha; the first batch initializes them.</summary>
    public static void UpdateRunningStatistics<T>(
        T[] runningMean,
        T[] runningVariance,
        T[] mean,
        T[] variance,
        T alpha,
        bool first
    )
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (first)
        {
            mean.CopyTo(runningMean, 0);
            variance.CopyTo(runningVariance, 0);
            return;
        }
        for (var i = 0; i < mean.Length; i++)
        {
            runningMean[i] = mean[i] + (runningMean[i] - mean[i]) * alpha;
            runningVariance[i] = variance[i] + (runningVariance[i] - variance[i]) * alpha;
        }
    }

    private static void InverseStd<T>(ReadOnlySpan<T> variance, T eps, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var i = 0; i < result.Length; i++)
            result[i] = T.One / T.Sqrt(variance[i] + eps);
    }
}
