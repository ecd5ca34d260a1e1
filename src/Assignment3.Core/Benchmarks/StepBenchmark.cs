using System.Diagnostics;
using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Assignment3.Core.Data;
using Assignment3.Core.Network;
using Assignment3.Core.Numerics;
using Assignment3.Core.Randomness;
using Assignment3.Core.Training;

namespace Assignment3.Core.Benchmarks;

/// <summary>One GEMM call of an update step: C (m x n) = op(A) (m x k) op(B) (k x n).</summary>
public sealed record GemmShape(string Role, bool TransposeA, bool TransposeB, int M, int N, int K)
{
    public double Flops => 2.0 * M * N * K;

    public override string ToString() =>
        $"{Role} {M}x{N}x{K}{(TransposeA ? " (A transposed)" : "")}{(TransposeB ? " (B transposed)" : "")}";
}

/// <summary>
/// Measures an update step and its GEMMs. The GEMMs of a step, for each layer with width m, fan-in d
/// and batch B: forward W X (m x B, k = d), backward dW = G X^T (m x d, k = B) and, above the first
/// layer, dX = W^T G (d x B, k = m).
/// </summary>
public static class StepBenchmark
{
    public static IReadOnlyList<GemmShape> GemmsOfStep(NetworkSpec spec, int batch)
    {
        var shapes = new List<GemmShape>();
        for (var l = 0; l < spec.LayerCount; l++)
        {
            var (m, d) = (spec.Width(l), spec.FanIn(l));
            shapes.Add(new GemmShape($"layer {l + 1} forward", false, false, m, batch, d));
            shapes.Add(new GemmShape($"layer {l + 1} weight gradient", false, true, m, d, batch));
            if (l > 0)
                shapes.Add(new GemmShape($"layer {l + 1} input gradient", true, false, d, batch, m));
        }
        return shapes;
    }

    public static double FlopsPerStep(NetworkSpec spec, int batch) => GemmsOfStep(spec, batch).Sum(s => s.Flops);

    /// <summary>Median GFLOP/s of one GEMM shape on random float32 operands.</summary>
    public static double GemmGflops(GemmShape shape, IGemm gemm)
    {
        var random = new Xoshiro256StarStar(7);
        var a = shape.TransposeA ? Uniform(random, shape.K, shape.M) : Uniform(random, shape.M, shape.K);
        var b = shape.TransposeB ? Uniform(random, shape.N, shape.K) : Uniform(random, shape.K, shape.N);
        var c = Uniform(random, shape.M, shape.N);
        // Each timing covers calls worth at least 2 MFLOP (tens of microseconds, well above the clock's
        // 100 ns resolution); about half a second of timings, at least 50.
        var callsPerTiming = (int)Math.Max(1, Math.Ceiling(2e6 / shape.Flops));
        var repetitions = (int)Math.Clamp(5e10 / (shape.Flops * callsPerTiming), 50, 20_000);
        var seconds = Median(
            repetitions,
            () =>
            {
                for (var call = 0; call < callsPerTiming; call++)
                    gemm.Gemm(shape.TransposeA, shape.TransposeB, 1f, a, b, 0f, c);
            },
            TimeSpan.FromSeconds(0.5)
        );
        return shape.Flops * callsPerTiming / seconds / 1e9;
    }

    /// <summary>
    /// Median wall time (ms) of one step of a group of <paramref name="size"/> runs of
    /// <paramref name="config"/> (seeds 1, 2, ...; one mini-batch order) as training takes it: the
    /// batch gathered once, the first layers' products fused, each run's own forward, backward and
    /// descent (a group of one: a run alone). Divide by the size for a run's share. Timed after untimed
    /// steps until their time settles, at least <paramref name="warmup"/> (default half a second).
    /// </summary>
    public static double MedianGroupStepMillis(
        TrainingConfig config,
        DataSplits data,
        IGemm gemm,
        int size,
        int steps,
        TimeSpan? warmup = null
    )
    {
        var runs = Enumerable
            .Range(1, size)
            .Select(seed => TrainingRun.Start(config with { Seed = seed, DataOrderSeed = 1 }, data, gemm))
            .ToArray();
        return MedianStepMillis(new TrainingGroup(runs), steps, warmup ?? TimeSpan.FromSeconds(0.5));
    }

    /// <summary>
    /// Median wall time (ms) of one step of <paramref name="group"/>, after untimed steps until their time
    /// settles (<see cref="WarmUp"/>), at least <paramref name="warmup"/>; without it, after two untimed steps
    /// (a quick figure that may still include the JIT's work).
    /// </summary>
    public static double MedianStepMillis(TrainingGroup group, int steps, TimeSpan? warmup = null) =>
        1000 * Median(steps, () => group.UpdateStep(), warmup);

    /// <summary>
    /// The stacked first layers of a group of runs with <paramref name="rows"/> first-layer units in all,
    /// on CIFAR-10's inputs at batch 100: GFLOP/s of the forward product (rows x 100 x 3072) and of the
    /// weight gradient stepped into the weights (rows x 3072 x 100), as a group runs them.
    /// </summary>
    public static (double Forward, double Stepped) FusedFirstLayerGflops(int rows, IGemm gemm)
    {
        const int inputs = 3072,
            batch = 100;
        var random = new Xoshiro256StarStar(7);
        var (w, x, g) = (Uniform(random, rows, inputs), Uniform(random, inputs, batch), Uniform(random, rows, batch));
        var (s, gradient) = (new Mat<float>(rows, batch), new Mat<float>(rows, inputs));
        var bias = new float[rows];
        // decay 1, eta 0: the weights stay as they are however often it runs.
        var (decay, eta) = (Enumerable.Repeat(1f, rows).ToArray(), new float[rows]);
        var flops = 2.0 * rows * inputs * batch;
        var repetitions = (int)Math.Clamp(5e10 / flops, 50, 20_000);
        var forward = Median(repetitions, () => Network.Linear.Forward(gemm, w, bias, x, s), TimeSpan.FromSeconds(0.5));
        var stepped = Median(
            repetitions,
            () => gemm.DescendAlongProduct<float>(g, x, decay, eta, gradient, w),
            TimeSpan.FromSeconds(0.5)
        );
        return (flops / forward / 1e9, flops / stepped / 1e9);
    }

    /// <summary>A rows x cols operand of uniform values in [-0.5, 0.5) from our generator.</summary>
    private static Mat<float> Uniform(Xoshiro256StarStar random, int rows, int cols)
    {
        var m = new Mat<float>(rows, cols);
        for (var i = 0; i < m.Data.Length; i++)
            m.Data[i] = (float)(random.NextDouble() - 0.5);
        return m;
    }

    /// <summary>
    /// The core's peak float32 rate at the vector width of <paramref name="isa"/>: independent fused
    /// multiply-adds on one thread, the best of five runs (a passing load on a shared machine only
    /// ever slows a run down). Returns (GFLOP/s, the width's name).
    /// </summary>
    public static (double Gflops, string Width) FmaPeak(SimdIsa isa)
    {
        const long iterations = 10_000_000;
        var (run, lanes, width) = isa switch
        {
            SimdIsa.Avx512 => (Peak<Vector512Ops<float>, Vector512<float>>, 16, "512-bit"),
            SimdIsa.Avx2 => ((Func<long, float>)Peak<Vector256Ops<float>, Vector256<float>>, 8, "256-bit"),
            SimdIsa.Vector128 => (Peak<Vector128Ops<float>, Vector128<float>>, 4, "128-bit"),
            _ => (Peak<ScalarOps<float>, float>, 1, "scalar"),
        };
        run(iterations / 10); // JIT and clock ramp
        var best = double.MaxValue;
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            run(iterations);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return (iterations * 12.0 * lanes * 2 / best / 1e9, width);
    }

    /// <summary>12 independent chains of fused multiply-adds: enough to keep every FMA unit busy whatever its latency.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe float Peak<TOps, TV>(long iterations)
        where TOps : unmanaged, IVectorOps<TV, float>
        where TV : unmanaged
    {
        var (a, b) = (TOps.Broadcast(1.0000001f), TOps.Broadcast(0.9999999f));
        TV c0 = default,
            c1 = default,
            c2 = default,
            c3 = default,
            c4 = default,
            c5 = default,
            c6 = default,
            c7 = default,
            c8 = default,
            c9 = default,
            c10 = default,
            c11 = default;
        for (long i = 0; i < iterations; i++)
        {
            c0 = TOps.MultiplyAdd(a, b, c0);
            c1 = TOps.MultiplyAdd(a, b, c1);
            c2 = TOps.MultiplyAdd(a, b, c2);
            c3 = TOps.MultiplyAdd(a, b, c3);
            c4 = TOps.MultiplyAdd(a, b, c4);
            c5 = TOps.MultiplyAdd(a, b, c5);
            c6 = TOps.MultiplyAdd(a, b, c6);
            c7 = TOps.MultiplyAdd(a, b, c7);
            c8 = TOps.MultiplyAdd(a, b, c8);
            c9 = TOps.MultiplyAdd(a, b, c9);
            c10 = TOps.MultiplyAdd(a, b, c10);
            c11 = TOps.MultiplyAdd(a, b, c11);
        }
        // Every chain feeds the result, so none is optimized away.
        var all = TOps.MultiplyAdd(
            c0,
            a,
            TOps.MultiplyAdd(
                c1,
                a,
                TOps.MultiplyAdd(
                    c2,
                    a,
                    TOps.MultiplyAdd(
                        c3,
                        a,
                        TOps.MultiplyAdd(
                            c4,
                            a,
                            TOps.MultiplyAdd(
                                c5,
                                a,
                                TOps.MultiplyAdd(
                                    c6,
                                    a,
                                    TOps.MultiplyAdd(
                                        c7,
                                        a,
                                        TOps.MultiplyAdd(c8, a, TOps.MultiplyAdd(c9, a, TOps.MultiplyAdd(c10, a, c11)))
                                    )
                                )
                            )
                        )
                    )
                )
            )
        );
        var sum = stackalloc float[16];
        TOps.Store(all, sum);
        return sum[0];
    }

    /// <summary>
    /// Median seconds of <paramref name="repetitions"/> timed calls, after untimed ones until the time per
    /// call has settled (<see cref="WarmUp"/>), or two without <paramref name="warmup"/>.
    /// </summary>
    private static double Median(int repetitions, Action action, TimeSpan? warmup)
    {
        if (warmup is { } least)
            WarmUp(action, Math.Max(5, repetitions / 5), least);
        else
            for (var r = 0; r < 2; r++)
                action();
        var timings = new double[repetitions];
        for (var r = 0; r < repetitions; r++)
        {
            var start = Stopwatch.GetTimestamp();
            action();
            timings[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        return MedianOf(timings);
    }

    /// <summary>
    /// Untimed calls in blocks of <paramref name="block"/>, for at least <paramref name="warmup"/> and until
    /// two blocks in a row compiled no method and ran no faster than the block before (at most ten seconds).
    /// The JIT recompiles hot code in tiers on a background thread, phase after phase with quiet seconds
    /// between them: code that has just started running needs a longer <paramref name="warmup"/>
    /// (<see cref="JitSeconds"/>).
    /// </summary>
    private static void WarmUp(Action action, int block, TimeSpan warmup)
    {
        var clock = Stopwatch.StartNew();
        var (previous, settled, timings) = (double.MaxValue, 0, new double[block]);
        while (settled < 2 && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            var compiled = JitInfo.GetCompiledMethodCount();
            for (var r = 0; r < block; r++)
            {
                var start = Stopwatch.GetTimestamp();
                action();
                timings[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
            var median = MedianOf(timings);
            var quiet = JitInfo.GetCompiledMethodCount() == compiled && median >= 0.98 * previous;
            settled = quiet && clock.Elapsed >= warmup ? settled + 1 : 0;
            previous = median;
        }
    }

    /// <summary>
    /// How long code that has just started running takes to reach its final speed: the JIT's tiers come
    /// in phases with quiet seconds between them, and on a core it shares with the timed code a step of
    /// the 3-layer network pinned to one AMD EPYC Zen 4 core took 3.1 ms, 1.35 ms for 2 s, 1.07 ms for
    /// 2 s, then 0.88 ms.
    /// </summary>
    public static readonly TimeSpan JitSeconds = TimeSpan.FromSeconds(6);

    private static double MedianOf(double[] timings)
    {
        var sorted = timings.Order().ToArray();
        return sorted.Length % 2 == 1
            ? sorted[sorted.Length / 2]
            : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
