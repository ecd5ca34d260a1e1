using System.Numerics;
using System.Numerics.Tensors;

namespace Assignment3.Core.Numerics;

/// <summary>Per-row (per-feature) reductions and broadcasts over a column-major m x n batch.</summary>
public static class RowOps
{
    /// <summary>sums[i] = sum_j a[i, j] (accumulated column by column, vectorized along rows).</summary>
    public static void RowSums<T>(Mat<T> a, Span<T> sums) where T : unmanaged, IFloatingPointIeee754<T>
    {
        sums.Clear();
        for (var j = 0; j < a.Cols; j++) TensorPrimitives.Add(sums, a.Column(j), sums);
    }

    /// <summary>sums[i] = sum_j a[i, j] * b[i, j].</summary>
    public static void RowDots<T>(Mat<T> a, Mat<T> b, Span<T> sums) where T : unmanaged, IFloatingPointIeee754<T>
    {
        sums.Clear();
        for (var j = 0; j < a.Cols; j++) TensorPrimitives.MultiplyAdd(a.Column(j), b.Column(j), sums, sums);
    }

    /// <summary>Every column of <paramref name="a"/> set to <paramref name="v"/>.</summary>
    public static void FillColumns<T>(Mat<T> a, ReadOnlySpan<T> v) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var j = 0; j < a.Cols; j++) v.CopyTo(a.Column(j));
    }

    /// <summary>Index of the largest entry of each column.</summary>
    public static void ColumnArgMax<T>(Mat<T> a, Span<int> result) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var j = 0; j < a.Cols; j++) result[j] = TensorPrimitives.IndexOfMax<T>(a.Column(j));
    }
}
