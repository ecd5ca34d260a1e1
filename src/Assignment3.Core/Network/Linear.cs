using System.Numerics;
using Assignment3.Core.Numerics;

namespace Assignment3.Core.Network;

/// <summary>
/// Fully connected layer. Shapes: W m x d, b m, X d x n (one sample per column), S m x n.
/// </summary>
public static class Linear
{
    /// <summary>S = W X + b 1^T.</summary>
    public static void Forward<T>(IGemm gemm, Mat<T> w, ReadOnlySpan<T> b, Mat<T> x, Mat<T> s)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RowOps.FillColumns(s, b);
        gemm.Gemm(false, false, T.One, w, x, T.One, s);
    }

    /// <summary>
    /// Given G = dC/dS (m x n, already divided by the batch size): dW = G X^T + 2 lambda W,
    /// db = G 1, and, when <paramref name="gX"/> is given, dC/dX = W^T G.
    /// </summary>
    public static void Backward<T>(IGemm gemm, Mat<T> w, Mat<T> x, Mat<T> g, T lambda, Mat<T> gW, T[] gB, Mat<T>? gX)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        BackwardWeights(gemm, w, x, g, lambda, gW);
        BackwardBiasAndInput(gemm, w, g, gB, gX);
    }

    /// <summary>dW = G X^T + 2 lambda W.</summary>
    public static void BackwardWeights<T>(IGemm gemm, Mat<T> w, Mat<T> x, Mat<T> g, T lambda, Mat<T> gW)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // With lambda 0 (training folds the L2 term into the update) the GEMM overwrites gW: no extra pass.
        if (lambda != T.Zero)
            for (var i = 0; i < w.Data.Length; i++)
                gW.Data[i] = w.Data[i] * (lambda + lambda);
        gemm.Gemm(false, true, T.One, g, x, lambda != T.Zero ? T.One : T.Zero, gW);
    }

    /// <summary>db = G 1 and, when <paramref name="gX"/> is given, dC/dX = W^T G.</summary>
    public static void BackwardBiasAndInput<T>(IGemm gemm, Mat<T> w, Mat<T> g, T[] gB, Mat<T>? gX)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RowOps.RowSums(g, gB);
        if (gX is not null)
            gemm.Gemm(true, false, T.One, w, g, T.Zero, gX);
    }
}
