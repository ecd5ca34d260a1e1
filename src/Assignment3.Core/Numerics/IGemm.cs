using System.Numerics;

namespace Assignment3.Core.Numerics;

/// <summary>
/// General matrix multiply on column-major <see cref="Mat{T}"/>:
/// C = alpha * op(A) * op(B) + beta * C, where op(X) is X or its transpose.
/// The network does all its heavy arithmetic through this one call, so the backend
/// (managed or native BLAS) can be swapped without touching the layers.
/// </summary>
public interface IGemm
{
    string Name { get; }

    void Gemm<T>(bool transposeA, bool transposeB, T alpha, Mat<T> a, Mat<T> b, T beta, Mat<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// A linear layer's weight gradient and its descent step in one (training folds L2 into the
    /// decay): W[i, j] = decay[i] W[i, j] - eta[i] (G X^T)[i, j], for G m x n, X d x n, W m x d, each
    /// row with its own decay and eta (the rows of several networks stacked). Every element of G X^T
    /// is the product <see cref="Gemm{T}"/> gives, and the step is Elementwise.Descend's with per-row
    /// factors, so the result is the same as the two done apart. <paramref name="gradient"/> (m x d) is scratch.
    /// </summary>
    void DescendAlongProduct<T>(
        Mat<T> g,
        Mat<T> x,
        ReadOnlySpan<T> decay,
        ReadOnlySpan<T> eta,
        Mat<T> gradient,
        Mat<T> w
    )
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        GemmShapes.CheckDescent(g, x, decay, eta, gradient, w);
        Gemm(false, true, T.One, g, x, T.Zero, gradient);
        Elementwise.Descend<T>(w.Data, gradient.Data, decay, eta);
    }
}

public static class GemmShapes
{
    /// <summary>Checks the shapes of C = op(A) op(B) and returns (m, n, k).</summary>
    public static (int M, int N, int K) Check<T>(bool transposeA, bool transposeB, Mat<T> a, Mat<T> b, Mat<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (m, k) = transposeA ? (a.Cols, a.Rows) : (a.Rows, a.Cols);
        var (kb, n) = transposeB ? (b.Cols, b.Rows) : (b.Rows, b.Cols);
        if (k != kb || c.Rows != m || c.Cols != n)
            throw new ArgumentException(
                $"GEMM shapes do not match: op(A) {m}x{k}, op(B) {kb}x{n}, C {c.Rows}x{c.Cols}"
            );
        return (m, n, k);
    }

    /// <summary>Checks the shapes of <see cref="IGemm.DescendAlongProduct{T}"/>: G m x n, X d x n, W and the gradient m x d, decay and eta m.</summary>
    public static void CheckDescent<T>(
        Mat<T> g,
        Mat<T> x,
        ReadOnlySpan<T> decay,
        ReadOnlySpan<T> eta,
        Mat<T> gradient,
        Mat<T> w
    )
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(false, true, g, x, gradient);
        if (w.Rows != gradient.Rows || w.Cols != gradient.Cols || decay.Length != w.Rows || eta.Length != w.Rows)
            throw new ArgumentException(
                $"descent shapes do not match: W {w.Rows}x{w.Cols}, gradient {gradient.Rows}x{gradient.Cols}, "
                    + $"{decay.Length} decays and {eta.Length} step sizes"
            );
    }
}
