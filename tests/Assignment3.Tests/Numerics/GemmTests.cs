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
                for (var k = 0; k < 7; k++)
                    sum += (ta ? a[k, i] : a[i, k]) * (tb ? b[j, k] : b[k, j]);
                expected[i, j] = 2 * sum + 0.5 * c[i, j];
            }

            gemm.Gemm(ta, tb, 2.0, a, b, 0.5, c);

            for (var i = 0; i < 5; i++)
            for (var j = 0; j < 3; j++)
                Assert.Equal(expected[i, j], c[i, j], 1e-12);
        }
    }

    /// <summary>
    /// The kernels' promise: every element of C is fma(a[i,k], b[k,j], c) for k = 0, 1, ... in order,
    /// from C (beta 1) or zero (beta 0). So on every instruction set, for shapes that exercise every
    /// tile, edge and remainder path, the result equals that loop bit for bit.
    /// </summary>
    [Theory]
    [InlineData(50, 100, 3072, false, false, 0f)] // the first layer's forward pass
    [InlineData(50, 3072, 100, false, true, 0f)] // its weight gradient
    [InlineData(50, 100, 50, true, false, 0f)] // a gradient with respect to a hidden layer
    [InlineData(10, 100, 50, false, false, 1f)] // the output layer's forward pass, onto the biases
    [InlineData(67, 37, 401, false, false, 1f)]
    [InlineData(35, 9, 800, true, true, 0f)]
    [InlineData(1, 1, 1, false, false, 0f)]
    [InlineData(3, 13, 2, true, false, 1f)]
    public void Every_instruction_set_computes_exactly_the_same_sequence_of_fused_multiply_adds(
        int m,
        int n,
        int k,
        bool ta,
        bool tb,
        float beta
    ) => AssertEveryInstructionSetIsTheFusedMultiplyAddLoop(m, n, k, ta, tb, beta);

    /// <summary>
    /// Every count of rows left after whole vectors (masked on x64, padded elsewhere), in every
    /// arrangement, past the four vectors a one-pass tile covers at 512 bits.
    /// </summary>
    [Fact]
    public void Every_row_count_up_to_five_vectors_is_exact_on_every_instruction_set_and_tiling()
    {
        for (var m = 1; m <= 82; m++)
            foreach (var (ta, tb) in new[] { (false, false), (true, false), (false, true), (true, true) })
                AssertEveryInstructionSetIsTheFusedMultiplyAddLoop(m, 71, 6, ta, tb, m % 2 == 0 ? 0f : 1f);
    }

    private static void AssertEveryInstructionSetIsTheFusedMultiplyAddLoop(
        int m,
        int n,
        int k,
        bool ta,
        bool tb,
        float beta
    )
    {
        var a = Synthetic.GaussianSingle(ta ? k : m, ta ? m : k, seed: 1);
        var b = Synthetic.GaussianSingle(tb ? n : k, tb ? k : n, seed: 2);
        var start = Synthetic.GaussianSingle(m, n, seed: 3);
        var expected = new float[m * n];
        for (var j = 0; j < n; j++)
        for (var i = 0; i < m; i++)
        {
            var c = beta == 0f ? 0f : start[i, j];
            for (var kk = 0; kk < k; kk++)
                c = MathF.FusedMultiplyAdd(ta ? a[kk, i] : a[i, kk], tb ? b[j, kk] : b[kk, j], c);
            expected[i + j * m] = c;
        }

        foreach (var isa in Enum.GetValues<SimdIsa>().Where(SimdGemm.IsSupported))
        foreach (var tiling in Enum.GetValues<GemmTiling>())
        {
            var c = new Mat<float>(m, n, (float[])start.Data.Clone());
            new SimdGemm(isa, tiling).Gemm(ta, tb, 1f, a, b, beta, c);
            Assert.True(
                expected.AsSpan().SequenceEqual(c.Data),
                $"{isa} with {GemmTilings.Name(tiling)} tiles differs from the fused multiply-add loop for {m}x{n}x{k} (transposed A {ta}, B {tb})"
            );
        }
    }

    /// <summary>
    /// The weight gradient stepped in the kernels (no gradient stored) or block by block must be the
    /// gradient product then <see cref="Elementwise.Descend{T}(Span{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T})"/>:
    /// every row count up to five vectors, in-kernel (k up to one k-block) and blocked (deeper), on every
    /// instruction set and tiling; a step into subnormals gives 0.
    /// </summary>
    [Fact]
    public void A_gradient_stepped_along_its_product_equals_the_product_then_the_step()
    {
        foreach (var (rows, k) in Enumerable.Range(1, 82).Select(m => (m, 7)).Append((50, 400)).Append((200, 100)))
        {
            var d = rows % 3 == 0 ? 530 : 61; // past a column block of the kernels now and then
            var g = Synthetic.GaussianSingle(rows, k, seed: 1);
            var x = Synthetic.GaussianSingle(d, k, seed: 2);
            var start = Synthetic.GaussianSingle(rows, d, seed: 3);
            start[0, 0] = 1e-39f; // a step leaves it subnormal: flushed to 0
            var decay = Enumerable.Range(0, rows).Select(i => 1f - 0.001f * (i % 5)).ToArray();
            var eta = Enumerable.Range(0, rows).Select(i => i == 0 ? 0f : 0.01f * (1 + i % 3)).ToArray();
            var gradient = new Mat<float>(rows, d);
            var reference = new SimdGemm(SimdIsa.Scalar);
            reference.Gemm(false, true, 1f, g, x, 0f, gradient);
            var expected = (float[])start.Data.Clone();
            Elementwise.Descend<float>(expected, gradient.Data, decay, eta);
            Assert.Equal(0f, expected[0]);

            foreach (var isa in Enum.GetValues<SimdIsa>().Where(SimdGemm.IsSupported))
            foreach (var tiling in Enum.GetValues<GemmTiling>())
            {
                var w = new Mat<float>(rows, d, (float[])start.Data.Clone());
                IGemm gemm = new SimdGemm(isa, tiling);
                gemm.DescendAlongProduct<float>(g, x, decay, eta, new Mat<float>(rows, d), w);
                Assert.True(
                    expected.AsSpan().SequenceEqual(w.Data),
                    $"{isa} with {GemmTilings.Name(tiling)} tiles, {rows} rows, k {k}, d {d}"
                );
            }
        }
    }

    /// <summary>Without a forced tiling each shape gets the faster of the tilings that differ for it, measured once.</summary>
    [Fact]
    public void A_shape_without_a_forced_tiling_gets_a_measured_candidate_and_keeps_it()
    {
        var isa = SimdGemm.Best();
        var gemm = new SimdGemm(isa);
        var a = Synthetic.GaussianSingle(50, 40, seed: 1);
        var b = Synthetic.GaussianSingle(40, 30, seed: 2);
        gemm.Gemm(false, false, 1f, a, b, 0f, new Mat<float>(50, 30));

        var chosen = gemm.TilingFor<float>(false, false, 50, 30, 40);
        Assert.Contains(chosen, GemmTilings.Candidates<float>(isa, 50));
        Assert.Equal(
            chosen,
            GemmTilings.ChosenFor<float>(isa, false, false, 50, 30, 40) ?? GemmTiling.MainThenRemainder
        );
        Assert.Equal(chosen, gemm.TilingFor<float>(false, false, 50, 30, 40));
        // A shape whose rows fill whole main tiles has one way to be cut.
        Assert.Equal(
            [GemmTiling.MainThenRemainder],
            GemmTilings.Candidates<float>(isa, 2 * SimdGemm.MainTileRows<float>(isa))
        );
    }

    [Fact]
    public void A3_TILING_names_a_tiling_or_is_refused_with_the_choices()
    {
        Assert.Equal(GemmTiling.OnePass, GemmTilings.Parse("one-pass"));
        Assert.Equal(GemmTiling.MainThenRemainder, GemmTilings.Parse(" Main-Then-Remainder "));
        var e = Assert.Throws<ArgumentException>(() => GemmTilings.Parse("fastest"));
        Assert.Contains("A3_TILING=fastest", e.Message);
        Assert.Contains("one-pass", e.Message);
    }

    [Fact]
    public void Mismatched_shapes_are_rejected_with_the_shapes_named()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            TestGemmBackends.Default.Gemm(
                false,
                false,
                1.0,
                new Mat<double>(2, 3),
                new Mat<double>(4, 2),
                0.0,
                new Mat<double>(2, 2)
            )
        );
        Assert.Contains("op(A) 2x3", e.Message);
    }
}

public static class TestGemmBackends
{
    /// <summary>Our kernels on the widest instruction set of this machine (what a3 uses by default).</summary>
    public static readonly IGemm Default = new SimdGemm(SimdGemm.Best());

    /// <summary>
    /// Every backend on this machine: our kernels on each instruction set the CPU has, and OpenBLAS.
    /// The test script installs OpenBLAS, so it is required here: a missing library fails the tests
    /// rather than silently testing fewer backends.
    /// </summary>
    public static readonly IGemm[] All =
    [
        .. Enum.GetValues<SimdIsa>().Where(SimdGemm.IsSupported).Select(isa => new SimdGemm(isa)),
        GemmBackends.OpenBlasIfInstalled
            ?? throw new InvalidOperationException(
                "libopenblas.so.0 not found: run scripts/test.sh, which installs libopenblas0-pthread"
            ),
    ];

    public static IGemm ByName(string name) => All.Single(b => b.Name == name);
}
