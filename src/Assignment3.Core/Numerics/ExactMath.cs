using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Assignment3.Core.Numerics;

/// <summary>
/// exp and log made of additions, multiplications, fused multiply-adds and exact scalings only, so
/// they return the same bits on every CPU and runtime (libm's and the vector libraries' versions
/// differ in the last bit between x64 and ARM64, and between vector widths). Accurate to about one
/// ulp of a double: the network's softmax, its loss and the Gaussian initialization use them.
/// </summary>
public static class ExactMath
{
    private const double Ln2High = 0.693147180369123816490; // ln 2 with its low 32 bits zero: k * Ln2High is exact
    private const double Ln2Low = 1.90821492927058770002e-10; // ln 2 - Ln2High
    private const double Log2E = 1.44269504088896338700;
    private const double Sqrt2 = 1.41421356237309504880;

    /// <summary>e^x.</summary>
    public static double Exp(double x)
    {
        if (double.IsNaN(x))
            return x;
        if (x > 709.78)
            return double.PositiveInfinity;
        if (x < -745.2)
            return 0;
        // x = k ln 2 + r with |r| <= ln 2 / 2; e^x = 2^k e^r.
        var k = Math.Round(x * Log2E);
        var r = Math.FusedMultiplyAdd(-k, Ln2Low, Math.FusedMultiplyAdd(-k, Ln2High, x));
        // Taylor series of e^r to r^13 / 13!: its truncation error is below 2e-17 for |r| <= 0.347.
        var p = 1.0 / 6227020800;
        foreach (var c in ExpCoefficients)
            p = Math.FusedMultiplyAdd(p, r, c);
        return Math.ScaleB(p, (int)k);
    }

    /// <summary>
    /// e^x for every element, as many at once as the vectors hold: each lane takes exactly the
    /// operations of <see cref="Exp(double)"/> (the product and its rounding to k, the two fused
    /// reductions, the fused Taylor chain, then p 2^k: exact, as ScaleB is, while the result is
    /// normal), so the bits are the scalar ones; a vector with a lane outside [-708, 709] (where
    /// results are subnormal, infinite or special) goes element by element. <paramref name="x"/> and
    /// <paramref name="result"/> may be the same span.
    /// </summary>
    public static void Exp(ReadOnlySpan<double> x, Span<double> result)
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
            i = ExpLanes<Vector512Ops<double>, Vector512<double>>(x, result);
        else if (Avx2.IsSupported && Fma.IsSupported)
            i = ExpLanes<Vector256Ops<double>, Vector256<double>>(x, result);
        else if (AdvSimd.Arm64.IsSupported)
            i = ExpLanes<Vector128Ops<double>, Vector128<double>>(x, result);
        for (; i < x.Length; i++)
            result[i] = Exp(x[i]);
    }

    /// <summary>The whole vectors of <see cref="Exp(ReadOnlySpan{double}, Span{double})"/> with one instruction set; returns where the rest starts.</summary>
    internal static unsafe int ExpLanes<TOps, TV>(ReadOnlySpan<double> x, Span<double> result)
        where TOps : unmanaged, IVectorOps<TV, double>
        where TV : unmanaged
    {
        var v = TOps.Count;
        var i = 0;
        fixed (
            double* px = x,
                pr = result
        )
            for (; i + v <= x.Length; i += v)
            {
                var value = TOps.Load(px + i);
                if (!TOps.AllWithin(value, -708, 709))
                {
                    for (var lane = i; lane < i + v; lane++)
                        pr[lane] = Exp(px[lane]);
                    continue;
                }
                var k = TOps.Round(TOps.Multiply(value, TOps.Broadcast(Log2E)));
                var minusK = TOps.Multiply(k, TOps.Broadcast(-1.0));
                var r = TOps.MultiplyAdd(
                    minusK,
                    TOps.Broadcast(Ln2Low),
                    TOps.MultiplyAdd(minusK, TOps.Broadcast(Ln2High), value)
                );
                var p = TOps.Broadcast(1.0 / 6227020800);
                foreach (var c in ExpCoefficients)
                    p = TOps.MultiplyAdd(p, r, TOps.Broadcast(c));
                TOps.Store(TOps.ScaleByPowerOfTwo(p, k), pr + i);
            }
        return i;
    }

    /// <summary>1/n! for n = 12 down to 0: the Taylor coefficients of e^r after the leading 1/13!.</summary>
    private static readonly double[] ExpCoefficients =
    [
        1.0 / 479001600,
        1.0 / 39916800,
        1.0 / 3628800,
        1.0 / 362880,
        1.0 / 40320,
        1.0 / 5040,
        1.0 / 720,
        1.0 / 120,
        1.0 / 24,
        1.0 / 6,
        0.5,
        1,
        1,
    ];

    /// <summary>ln x.</summary>
    public static double Log(double x)
    {
        if (double.IsNaN(x) || x < 0)
            return double.NaN;
        if (x == 0)
            return double.NegativeInfinity;
        if (double.IsPositiveInfinity(x))
            return x;
        // x = 2^k m with m in [sqrt(2)/2, sqrt(2)); ln m = 2 atanh(s) with s = (m - 1) / (m + 1), |s| < 0.172.
        var k = Math.ILogB(x);
        var m = Math.ScaleB(x, -k);
        if (m >= Sqrt2)
        {
            m *= 0.5;
            k++;
        }
        var f = m - 1;
        var s = f / (2 + f);
        var s2 = s * s;
        // 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), to s^23: the rest is below 1e-18 relative.
        var series = 1.0 / 23;
        for (var n = 21; n >= 1; n -= 2)
            series = Math.FusedMultiplyAdd(series, s2, 1.0 / n);
        var lnM = 2 * s * series;
        return Math.FusedMultiplyAdd(k, Ln2High, Math.FusedMultiplyAdd(k, Ln2Low, lnM));
    }
}
