using System.Diagnostics;
using Assignment3.Core.Data;
using Assignment3.Core.Numerics;
using Assignment3.Core.Training;

namespace Assignment3.Core.Benchmarks;

/// <summary>
/// How many runs a training group trains fastest, per run, on this core: what a worker node offers as
/// its slots' capacity (sweep.group-size = auto), measured once when it loads a sweep's data, on that
/// data, with the report's 3-layer recipe network. A quick measurement (a few hundred milliseconds); a3
/// bench measures every size carefully. Results never depend on it, only speed.
/// </summary>
public static class GroupSizes
{
    /// <summary>The largest group measured: beyond it the stacked first layers outgrow the caches (see a3 bench).</summary>
    public const int Largest = 8;

    /// <summary>A size is taken over a larger one unless the larger is this much faster per run.</summary>
    private const double Margin = 0.03;

    public static int Fastest(DataSplits data, IGemm gemm)
    {
        var config = new TrainingConfig { Hidden = [50, 50], BatchNorm = true, BatchSize = Math.Min(100, data.Train.Count) };
        var best = (Size: 1, Millis: double.MaxValue);
        for (var size = 1; size <= Largest; size++)
        {
            var perRun = MedianStepMillis(config, data, gemm, size) / size;
            if (perRun < best.Millis * (1 - Margin)) best = (size, perRun);
        }
        return best.Size;
    }

    /// <summary>The median of a dozen group steps after a few untimed ones (enough to rank sizes; a3 bench times them for longer).</summary>
    private static double MedianStepMillis(TrainingConfig config, DataSplits data, IGemm gemm, int size)
    {
        var runs = Enumerable.Range(1, size).Select(seed => TrainingRun.Start(config with { Seed = seed, DataOrderSeed = 1 }, data, gemm)).ToArray();
        var group = new TrainingGroup(runs);
        var timings = new double[12];
        for (var step = -3; step < timings.Length; step++)
        {
            var start = Stopwatch.GetTimestamp();
            group.UpdateStep();
            if (step >= 0) timings[step] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(timings);
        return timings[timings.Length / 2];
    }
}
