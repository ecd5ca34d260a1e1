using Assignment3.Core.Data;
using Assignment3.Core.Numerics;
using Assignment3.Core.Training;

namespace Assignment3.Core.Benchmarks;

/// <summary>
/// How many runs a training group trains fastest, per run, on this core: what a worker node offers as
/// its slots' capacity (sweep.group-size = auto), measured once when it loads an auto sweep's data, on
/// that data, with the report's 3-layer recipe network: groups of 8, 6, 4, 2 and 1 of the same eight
/// runs (largest first: it compiles and warms everything, and the smaller groups take its first runs,
/// all at one step), a few dozen steps each. Under a second; a3 bench measures every size for longer.
/// Results never depend on it, only speed.
/// </summary>
public static class GroupSizes
{
    /// <summary>The largest group measured: beyond it the stacked first layers outgrow the caches (see a3 bench).</summary>
    public const int Largest = 8;

    private static readonly int[] Measured = [8, 6, 4, 2, 1];

    public static int Fastest(DataSplits data, IGemm gemm)
    {
        var config = new TrainingConfig
        {
            Hidden = [50, 50],
            BatchNorm = true,
            BatchSize = Math.Min(100, data.Train.Count),
        };
        var runs = Enumerable
            .Range(1, Largest)
            .Select(seed => TrainingRun.Start(config with { Seed = seed, DataOrderSeed = 1 }, data, gemm))
            .ToArray();
        var best = (Size: Largest, Millis: double.MaxValue);
        foreach (var size in Measured)
        {
            var group = new TrainingGroup(runs[..size]);
            var warmup = TimeSpan.FromMilliseconds(size == Largest ? 200 : 20);
            var perRun = StepBenchmark.MedianStepMillis(group, steps: 30, warmup) / size;
            group.Release();
            if (perRun < best.Millis)
                best = (size, perRun);
        }
        return best.Size;
    }
}
