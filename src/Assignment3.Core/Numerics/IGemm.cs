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
                $"GEMM shapes do not match: op(A) {m}x{k}, op(B) {kb}x{n}, C {c.Rows}x{c.Cols}");
        return (m, n, k);
    }
}
