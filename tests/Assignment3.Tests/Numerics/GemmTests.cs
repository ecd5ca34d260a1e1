using Assignment3.Core.Numerics;

namespace Assignment3.Tests.Numerics;

public class GemmTests
{
    public static IEnumerable<object[]> Backends() => TestGemmBackends.All.Select(b => new object[] { b.Name });

    [Theory]
    [MemberData(nameof(Backends))]
    public void Gemm_matches_a_naive_product_for_every_transpose_combination(string backend)
    {
        var gemm = TestGemmBackends.ByName(backend);
        foreach (var (ta, tb) in new[] { (false, false), (true, false), (false, true), (true, true) })
        {
            var a = Synthetic.Gaussian(ta ? 7 : 5, ta ? 5 : 7, seed: 1);
            var b = Synthetic.Gaussian(tb ? 3 : 7, tb ? 7 : 3, seed: 2);
            var c = Synthetic.Gaussian(5, 3, seed: 3);
            var expected = new double[5, 3];
            for (var i = 0; i < 5; i++)
            for (var j = 0; j < 3; j++)
            {
                var sum = 0.0;
                for (var k = 0; k < 7; k++) sum += (ta ? a[k, i] : a[i, k]) * (tb ? b[j, k] : b[k, j]);
                expected[i, j] = 2 * sum + 0.5 * c[i, j];
            }

            gemm.Gemm(ta, tb, 2.0, a, b, 0.5, c);

            for (var i = 0; i < 5; i++)
            for (var j = 0; j < 3; j++)
                Assert.Equal(expected[i, j], c[i, j], 1e-12);
        }
    }

    [Fact]
    public void Mismatched_shapes_are_rejected_with_the_shapes_named()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            ManagedGemm.Instance.Gemm(false, false, 1.0, new Mat<double>(2, 3), new Mat<double>(4, 2), 0.0, new Mat<double>(2, 2)));
        Assert.Contains("op(A) 2x3", e.Message);
    }
}

public static class TestGemmBackends
{
    /// <summary>
    /// Every backend on this machine. The project's scripts install OpenBLAS, so it is required here:
    /// a missing library fails the tests rather than silently testing one backend.
    /// </summary>
    public static readonly IGemm[] All =
        [ManagedGemm.Instance, GemmBackends.OpenBlasIfInstalled ?? throw new InvalidOperationException("libopenblas.so.0 not found: run scripts/test.sh, which installs libopenblas0-pthread")];

    public static IGemm ByName(string name) => All.Single(b => b.Name == name);
}
