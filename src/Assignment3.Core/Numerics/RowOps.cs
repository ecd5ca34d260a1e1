using System.Numerics;
using System.Runtime.CompilerServices;

namespace Assignment3.Core.Numerics;

/// <summary>
/// Per-row (per-feature) reductions and broadcasts over a column-major m x n batch. Each row's sum
/// runs over the columns in order, whatever the vector width (vectors run across rows): the same
/// bits on every CPU.
/// </summary>
public static class RowOps
{
    /// <summary>sums[i] = sum_j a[i, j].</summary>
    public static void RowSums<T>(Mat<T> a, Span<T> sums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        sums.Clear();
        for (var j = 0; j < a.Cols; j++)
            Elementwise.Add(sums, a.Column(j), sums);
    }

    /// <summary>sums[i] = sum_j a[i, j] * b[i, j] (each product rounded, then added).</summary>
    public static void RowDots<T>(Mat<T> a, Mat<T> b, Span<T> sums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        sums.Clear();
        for (var j = 0; j < a.Cols; j++)
            Elementwise.MultiplyThenAdd(a.Column(j), b.Column(j), sums, sums);
    }

    /// <summary>Every column of <paramref name="a"/> set to <paramref name="v"/>.</summary>
    public static void FillColumns<T>(Mat<T> a, ReadOnlySpan<T> v)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var j = 0; j < a.Cols; j++)
            v.CopyTo(a.Column(j));
    }

    /// <summary>Index of the largest entry of each column (the first of equals).</summary>
    public static void ColumnArgMax<T>(Mat<T> a, Span<int> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var j = 0; j < a.Cols; j++)
        {
            var column = a.Column(j);
            var best = 0;
            for (var i = 1; i < column.Length; i++)
                if (column[i] > column[best])
                    best = i;
            result[j] = best;
        }
    }
}

/// <summary>
/// Element-by-element arithmetic on spans, vectorized with <see cref="Vector{T}"/> where the hardware
/// allows. Each element gets the same operations as in the scalar loop (no fused multiply-adds are
/// formed), so the result does not depend on the vector width.
/// </summary>
public static class Elementwise
{
    /// <summary>result = x + y.</summary>
    public static void Add<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
            for (; i + Vector<T>.Count <= result.Length; i += Vector<T>.Count)
                (new Vector<T>(x[i..]) + new Vector<T>(y[i..])).CopyTo(result[i..]);
        for (; i < result.Length; i++)
            result[i] = x[i] + y[i];
    }

    /// <summary>result = x - y.</summary>
    public static void Subtract<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
            for (; i + Vector<T>.Count <= result.Length; i += Vector<T>.Count)
                (new Vector<T>(x[i..]) - new Vector<T>(y[i..])).CopyTo(result[i..]);
        for (; i < result.Length; i++)
            result[i] = x[i] - y[i];
    }

    /// <summary>result = x * y.</summary>
    public static void Multiply<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
            for (; i + Vector<T>.Count <= result.Length; i += Vector<T>.Count)
                (new Vector<T>(x[i..]) * new Vector<T>(y[i..])).CopyTo(result[i..]);
        for (; i < result.Length; i++)
            result[i] = x[i] * y[i];
    }

    /// <summary>result = x * y + z, the product rounded before the sum.</summary>
    public static void MultiplyThenAdd<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> z, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
            for (; i + Vector<T>.Count <= result.Length; i += Vector<T>.Count)
                (new Vector<T>(x[i..]) * new Vector<T>(y[i..]) + new Vector<T>(z[i..])).CopyTo(result[i..]);
        for (; i < result.Length; i++)
            result[i] = x[i] * y[i] + z[i];
    }

    /// <summary>
    /// sum_i x[i] * y[i], each product rounded, in four running sums (element i into sum i mod 4, added in
    /// order, then (s0 + s1) + (s2 + s3)): the same bits on every CPU, at four times a single sum's speed.
    /// </summary>
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length)
            throw new ArgumentException($"lengths differ: {x.Length} and {y.Length}");
        double s0 = 0,
            s1 = 0,
            s2 = 0,
            s3 = 0;
        var i = 0;
        for (; i + 4 <= x.Length; i += 4)
        {
            s0 += x[i] * y[i];
            s1 += x[i + 1] * y[i + 1];
            s2 += x[i + 2] * y[i + 2];
            s3 += x[i + 3] * y[i + 3];
        }
        if (i < x.Length)
            s0 += x[i] * y[i];
        if (i + 1 < x.Length)
            s1 += x[i + 1] * y[i + 1];
        if (i + 2 < x.Length)
            s2 += x[i + 2] * y[i + 2];
        return (s0 + s1) + (s2 + s3);
    }

    /// <summary>result = x * a + z for a scalar a, the product rounded before the sum.</summary>
    public static void ScaleThenAdd<T>(ReadOnlySpan<T> x, T a, ReadOnlySpan<T> z, Span<T> result)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var av = new Vector<T>(a);
            for (; i + Vector<T>.Count <= result.Length; i += Vector<T>.Count)
                (new Vector<T>(x[i..]) * av + new Vector<T>(z[i..])).CopyTo(result[i..]);
        }
        for (; i < result.Length; i++)
            result[i] = x[i] * a + z[i];
    }

    /// <summary>
    /// One descent step with weight decay: w = decay * w - eta * g, element by element, and a weight
    /// that becomes subnormal is 0. Why: weights whose gradient is 0 (a dead ReLU unit's) only decay,
    /// and under strong L2 with eta near eta-min they sit among the subnormals for thousands of steps,
    /// where every multiplication with them takes a microcode assist: a run with lambda 0.078 went 17
    /// times slower from halfway on. No normal weight changes.
    /// </summary>
    public static void Descend<T>(Span<T> w, ReadOnlySpan<T> g, T decay, T eta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var (decayV, etaV) = (new Vector<T>(decay), new Vector<T>(eta));
            for (; i + Vector<T>.Count <= w.Length; i += Vector<T>.Count)
                FlushSubnormal(new Vector<T>(w[i..]) * decayV - new Vector<T>(g[i..]) * etaV).CopyTo(w[i..]);
        }
        for (; i < w.Length; i++)
            w[i] = FlushSubnormal(decay * w[i] - eta * g[i]);
    }

    /// <summary>
    /// <see cref="Descend{T}(Span{T}, ReadOnlySpan{T}, T, T)"/> for a column-major block whose rows
    /// each have their own decay and eta (rows of several networks stacked): w[i, j] = decay[i] *
    /// w[i, j] - eta[i] * g[i, j], with decay and eta as long as a column. The same bits as the
    /// scalar form for equal factors.
    /// </summary>
    public static void Descend<T>(Span<T> w, ReadOnlySpan<T> g, ReadOnlySpan<T> decay, ReadOnlySpan<T> eta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var m = decay.Length;
        for (var column = 0; column < w.Length; column += m)
        {
            var wc = w.Slice(column, m);
            var gc = g.Slice(column, m);
            var i = 0;
            if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
                for (; i + Vector<T>.Count <= m; i += Vector<T>.Count)
                    FlushSubnormal(
                            new Vector<T>(wc[i..]) * new Vector<T>(decay[i..])
                                - new Vector<T>(gc[i..]) * new Vector<T>(eta[i..])
                        )
                        .CopyTo(wc[i..]);
            for (; i < m; i++)
                wc[i] = FlushSubnormal(decay[i] * wc[i] - eta[i] * gc[i]);
        }
    }

    private static Vector<T> FlushSubnormal<T>(Vector<T> v)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(v), Normal<T>.SmallestVector), Vector<T>.Zero, v);

    private static T FlushSubnormal<T>(T v)
        where T : unmanaged, IFloatingPointIeee754<T> => T.Abs(v) < Normal<T>.Smallest ? T.Zero : v;

    /// <summary>The smallest normal magnitude of T (2^-126 for float, 2^-1022 for double): below it a number is subnormal.</summary>
    /// A constant the JIT folds, inlined, not a static field: a stepped GEMM kernel (compiled with full
    /// optimization at once) that was compiled before the field's class was initialized called the
    /// initializer for each of its 24 weight vectors, and the JIT then kept the tile's accumulators on the
    /// stack, stored in every iteration of the k loop: 27-70 GFLOP/s instead of 166-172 on Intel Xeon.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T SmallestNormal<T>()
        where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? (T)(object)BitConverter.Int32BitsToSingle(0x0080_0000)
        : typeof(T) == typeof(double) ? (T)(object)BitConverter.Int64BitsToDouble(0x0010_0000_0000_0000)
        : T.Zero; // no other type trains; 0 flushes nothing

    private static class Normal<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>The smallest normal magnitude of T (2^-126 for float, 2^-1022 for double): below it a number is subnormal.</summary>
        public static readonly T Smallest = SmallestNormal<T>();

        public static readonly Vector<T> SmallestVector = new(Smallest);
    }

    /// <summary>sum_i x[i]^2 in double, in order: the same bits on every CPU.</summary>
    public static double SumOfSquares<T>(ReadOnlySpan<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var sum = 0.0;
        foreach (var v in x)
        {
            var d = double.CreateTruncating(v);
            sum += d * d;
        }
        return sum;
    }
}
