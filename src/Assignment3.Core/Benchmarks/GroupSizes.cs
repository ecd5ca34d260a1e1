using Assignment3.Core.Data;
using Assignment3.Core.Numerics;
using Assignment3.Core.Training;

namespace Assignment3.Core.Benchmarks;

/// <summary>
/// How many runs a training group trains fastest, per run, on this core: what a worker node offers as
/// its slots' capacity (sweep.group-size = auto), measured once when it loads an auto sweep's data, on
/// that data, with the report's 3-layer recipe network. The group of 8 runs first until its steps take
/// a settled time (the JIT's tiers done: on a busy core that takes seconds, and a size measured before
/// would look slow); then groups of 8, 6, 4, 3, 2 and 1 of the same runs (the smaller take the first
/// runs, all at one step), a few dozen steps each. One to three seconds; a3 bench measures every
/// size for longer. Results never depend on it, only speed.
/// </summary>
public static class GroupSizes
{
    /// <summary>The largest group measured: beyond it the stacked first layers outgrow the caches (see a3 bench).</summary>
    public const int Largest = 8;

    private static readonly int[] Measured = [8, 6, 4, 3, 2, 1];

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
        var perRun = new Dictionary<int, double>();
        foreach (var size in Measured)
        {
            var group = new TrainingGroup(runs[..size]);
            if (size == Largest)
                StepBenchmark.WarmUp(() => group.UpdateStep(), block: 10, TimeSpan.FromMilliseconds(200));
            perRun[size] = StepBenchmark.MedianStepMillis(group, steps: 30, TimeSpan.Zero) / size;
            group.Release();
        }
        return perRun.MinBy(pair => pair.Value).Key;
    }
}
