using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Assignment3.Core.Numerics;

namespace Assignment3.Tests.Numerics;

public class ExactMathTests
{
    /// <summary>Softmax-like inputs, the whole range exp has, and its edges and special values.</summary>
    private static double[] Inputs()
    {
        var random = new Random(5);
        var inputs = new List<double>();
        for (var i = 0; i < 4000; i++)
            inputs.Add(-30 * random.NextDouble());
        for (var i = 0; i < 4000; i++)
            inputs.Add(-760 + 1480 * random.NextDouble());
        inputs.AddRange([
            0,
            -0.0,
            1,
            -1,
            0.5,
            -0.5,
            708,
            -708,
            709,
            709.78,
            709.79,
            -745.2,
            -745.3,
            -710,
            -1000,
            1000,
            double.NaN,
            double.PositiveInfinity,
            double.NegativeInfinity,
            double.Epsilon,
            -double.Epsilon,
            Math.Log(2) / 2,
            -Math.Log(2) / 2,
        ]);
        return inputs.ToArray();
    }

    [Fact]
    public void Exp_of_a_span_gives_the_scalar_bits_on_every_vector_width()
    {
        var x = Inputs();
        var expected = x.Select(ExactMath.Exp).ToArray();
        var widths = new List<(string Name, Func<double[], double[]> Run)> { ("widest", v =>
            {
                var r = new double[v.Length];
                ExactMath.Exp(v, r);
                return r;
            }), ("in place", v =>
            {
                var r = (double[])v.Clone();
                ExactMath.Exp(r, r);
                return r;
            }) };
        if (Vector512.IsHardwareAccelerated)
            widths.Add(("512-bit", Lanes<Vector512Ops<double>, Vector512<double>>));
        if (Avx2.IsSupported && Fma.IsSupported)
            widths.Add(("256-bit", Lanes<Vector256Ops<double>, Vector256<double>>));
        if (Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported)
            widths.Add(("128-bit", Lanes<Vector128Ops<double>, Vector128<double>>));

        foreach (var (name, run) in widths)
        {
            var actual = run(x);
            for (var i = 0; i < x.Length; i++)
                Assert.True(
                    BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(actual[i]),
                    $"{name}: exp({x[i]:R}) = {actual[i]:R}, scalar {expected[i]:R}"
                );
        }
    }

    [Fact]
    public void Exp_is_within_an_ulp_or_two_of_the_runtimes()
    {
        foreach (var x in Inputs().Where(v => v is > -700 and < 700))
        {
            var (ours, runtime) = (ExactMath.Exp(x), Math.Exp(x));
            Assert.True(
                Math.Abs(ours - runtime) <= 2 * (Math.BitIncrement(runtime) - runtime),
                $"exp({x:R}) = {ours:R}, the runtime's {runtime:R}"
            );
        }
    }

    private static double[] Lanes<TOps, TV>(double[] x)
        where TOps : unmanaged, IVectorOps<TV, double>
        where TV : unmanaged
    {
        var result = new double[x.Length];
        var rest = ExactMath.ExpLanes<TOps, TV>(x, result);
        for (var i = rest; i < x.Length; i++)
            result[i] = ExactMath.Exp(x[i]);
        return result;
    }
}
