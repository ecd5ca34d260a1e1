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
            // The first size also warms the code up (the JIT's tiers), so sizes compare on compiled code.
            var warmup = TimeSpan.FromMilliseconds(size == 1 ? 200 : 20);
            var perRun = StepBenchmark.MedianGroupStepMillis(config, data, gemm, size, steps: 12, warmup) / size;
            if (perRun < best.Millis * (1 - Margin)) best = (size, perRun);
        }
        return best.Size;
    }
}
