using System.Collections.Concurrent;
using System.Diagnostics;
using System.Numerics;

namespace Assignment3.Core.Numerics;

/// <summary>
/// How <see cref="SimdGemm"/> cuts a product's rows into register tiles. A tiling decides which
/// elements each kernel call covers, never an element's chain of fused multiply-adds, so every
/// tiling gives the same bits; which is faster depends on the shape and the core.
/// </summary>
public enum GemmTiling
{
    /// <summary>
    /// Tiles of the instruction set's main size (3 x 8 vectors by columns at 512 bits, 2 x 6 below) over
    /// the rows whole vectors cover, then the rows left in a pass of their own: rows along columns where
    /// B's rows are contiguous, else one vector masked (x64) or padded (ARM64) to them.
    /// </summary>
    MainThenRemainder,

    /// <summary>
    /// Every row in one pass over B: main tiles until at most four vectors of rows are left (three below
    /// 512 bits, where 16 registers hold the accumulators), then one tile of those (4 x 6, 3 x 8 or 2 x 8
    /// at 512 bits; 3 x 4 or 2 x 6 below), its last vector masked to the rows left. Needs masked loads
    /// (x64); elsewhere it is <see cref="MainThenRemainder"/>.
    /// </summary>
    OnePass,
}

/// <summary>
/// The tiling each product shape uses in this process: the one forced (A3_TILING or the constructor),
/// or the one measured faster on this core the first time the shape is multiplied (a few
/// milliseconds on scratch operands of that shape, candidates alternated so a passing load hurts
/// both alike, and a new tiling only when clearly faster).
/// </summary>
public static class GemmTilings
{
    public const string ForceVariable = "A3_TILING";

    private readonly record struct ShapeKey(
        SimdIsa Isa,
        Type Element,
        bool TransposeA,
        bool TransposeB,
        int M,
        int N,
        int K
    );

    private static readonly ConcurrentDictionary<ShapeKey, GemmTiling> Chosen = new();

    /// <summary>The tiling A3_TILING names (main-then-remainder, one-pass), or null to measure.</summary>
    public static GemmTiling? Forced() =>
        Environment.GetEnvironmentVariable(ForceVariable) is { } text && !string.IsNullOrWhiteSpace(text)
            ? Parse(text)
            : null;

    /// <summary>A tiling by its name (<see cref="Name"/>, any case).</summary>
    public static GemmTiling Parse(string text) =>
        Enum.GetValues<GemmTiling>()
            .Cast<GemmTiling?>()
            .FirstOrDefault(t => Name(t!.Value) == text.Trim().ToLowerInvariant())
        ?? throw new ArgumentException(
            $"{ForceVariable}={text}: expected one of {string.Join(", ", Enum.GetValues<GemmTiling>().Select(Name))}"
        );

    public static string Name(GemmTiling tiling) =>
        tiling switch
        {
            GemmTiling.OnePass => "one-pass",
            _ => "main-then-remainder",
        };

    /// <summary>The tilings that compute a different set of kernel calls for this shape (one when they coincide).</summary>
    public static IReadOnlyList<GemmTiling> Candidates<T>(SimdIsa isa, int m)
        where T : unmanaged => SimdGemm.CanMask(isa) && m % SimdGemm.MainTileRows<T>(isa) != 0 ? Both : MainOnly;

    // Shared, so asking allocates nothing (an update step allocates nothing after its first).
    private static readonly GemmTiling[] Both = [GemmTiling.MainThenRemainder, GemmTiling.OnePass];
    private static readonly GemmTiling[] MainOnly = [GemmTiling.MainThenRemainder];

    /// <summary>The tiling for this shape: measured once per process and shape, then remembered.</summary>
    public static GemmTiling For<T>(SimdGemm gemm, bool transposeA, bool transposeB, int m, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var candidates = Candidates<T>(gemm.Isa, m);
        if (candidates.Count == 1)
            return candidates[0];
        var key = new ShapeKey(gemm.Isa, typeof(T), transposeA, transposeB, m, n, k);
        return Chosen.TryGetValue(key, out var chosen)
            ? chosen
            : Chosen.GetOrAdd(key, Fastest<T>(gemm, candidates, transposeA, transposeB, m, n, k));
    }

    private static readonly ConcurrentDictionary<ShapeKey, bool> SteppedInKernel = new();

    /// <summary>
    /// Whether <see cref="SimdGemm.DescendAlongProduct{T}"/> steps the weights in the kernels (one pass,
    /// the gradient never stored; W streamed once under the multiply-adds) rather than a block of
    /// columns at a time with this shape's tiling (the gradient block stored, then stepped while in
    /// cache): measured once per process and shape, in the kernels only when clearly faster (with a
    /// tiling forced: one-pass in the kernels, main-then-remainder by blocks). The same bits either way.
    /// </summary>
    public static bool StepsInKernel<T>(SimdGemm gemm, int m, int d, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (gemm.ForcedTiling is { } forced)
            return forced == GemmTiling.OnePass;
        var key = new ShapeKey(gemm.Isa, typeof(T), false, true, m, d, k);
        if (SteppedInKernel.TryGetValue(key, out var chosen))
            return chosen;
        var (g, x, w, gradient) = (Filled<T>(m, k), Filled<T>(d, k), Filled<T>(m, d), new Mat<T>(m, d));
        // decay 1 and eta 0: the weights stay as they are however often the candidates run.
        var (decay, eta) = (Enumerable.Repeat(T.One, m).ToArray(), new T[m]);
        var medians = Medians(
            2,
            (candidate, calls) =>
            {
                for (var call = 0; call < calls; call++)
                    gemm.DescendAlongProduct(g, x, decay, eta, gradient, w, inKernel: candidate == 1);
            },
            2.0 * m * d * k
        );
        return SteppedInKernel.GetOrAdd(key, medians[1] < 0.9 * medians[0]);
    }

    /// <summary>What this process chose so far, for a3 bench.</summary>
    public static GemmTiling? ChosenFor<T>(SimdIsa isa, bool transposeA, bool transposeB, int m, int n, int k) =>
        Chosen.TryGetValue(new ShapeKey(isa, typeof(T), transposeA, transposeB, m, n, k), out var tiling)
            ? tiling
            : null;

    /// <summary>
    /// The first candidate (the long-standing tiling) unless another is at least a tenth faster by the
    /// median of nine alternating timings: a passing load on a shared machine must not make a shape
    /// take a tiling that is not really better.
    /// </summary>
    private static GemmTiling Fastest<T>(
        SimdGemm gemm,
        IReadOnlyList<GemmTiling> candidates,
        bool transposeA,
        bool transposeB,
        int m,
        int n,
        int k
    )
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = Filled<T>(transposeA ? k : m, transposeA ? m : k);
        var b = Filled<T>(transposeB ? n : k, transposeB ? k : n);
        var c = new Mat<T>(m, n);
        var medians = Medians(
            candidates.Count,
            (t, calls) =>
            {
                for (var call = 0; call < calls; call++)
                    gemm.Multiply(candidates[t], transposeA, transposeB, a, b, accumulate: false, c);
            },
            2.0 * m * n * k
        );
        var best = Array.IndexOf(medians, medians.Min());
        return medians[best] < 0.9 * medians[0] ? candidates[best] : candidates[0];
    }

    /// <summary>
    /// The median of nine alternating timings of each candidate (<paramref name="run"/>(candidate, calls)),
    /// after an untimed round that warms caches and compiles each; each timing covers at least 0.2 MFLOP
    /// (a few tens of microseconds), so the clock resolves it.
    /// </summary>
    private static double[] Medians(int candidates, Action<int, int> run, double flops)
    {
        var calls = (int)Math.Max(1, Math.Ceiling(2e5 / flops));
        const int rounds = 9;
        var timings = Enumerable.Range(0, candidates).Select(_ => new double[rounds]).ToArray();
        for (var round = -1; round < rounds; round++)
        for (var t = 0; t < candidates; t++)
        {
            var start = Stopwatch.GetTimestamp();
            run(t, calls);
            if (round >= 0)
                timings[t][round] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        return timings.Select(x => x.Order().ElementAt(rounds / 2)).ToArray();
    }

    private static Mat<T> Filled<T>(int rows, int cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = new Mat<T>(rows, cols);
        for (var i = 0; i < x.Data.Length; i++)
            x.Data[i] = T.CreateChecked(i % 7 - 3) / T.CreateChecked(8);
        return x;
    }
}
