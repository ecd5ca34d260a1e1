using Assignment3.Core.Data;
using Assignment3.Core.Numerics;
using Assignment3.Core.Training;

namespace Assignment3.Core.Benchmarks;

/// <summary>
/// How many runs a training group trains fastest, per run, on this core: what a worker node offers as
/// its slots' capacity (sweep.group-size = auto), measured once per processor and build (the node
/// keeps it for later sweeps) when it loads an auto sweep's data, on that data, with the report's
/// 3-layer recipe network: groups of 8, 6, 4, 3, 2 and 1 (the smaller take the first runs, all at one
/// step), 40 steps each, in three rounds of new runs, each size's fastest round counting, and
/// the largest size within <see cref="Tolerance"/> of the fastest chosen. Rounds, because the JIT
/// recompiles the steps' code in tiers for seconds after they first run: a size measured before that
/// ends looks slow (one round, largest first, picked 2 on a busy AMD EPYC Zen 4 core where 3 and 4 are
/// fastest). Three to five seconds, most of them the JIT's first work, which training would do anyway;
/// a3 bench measures every size for longer. Results never depend on it, only speed.
/// </summary>
public static class GroupSizes
{
    /// <summary>The largest group measured: beyond it the stacked first layers outgrow the caches (see a3 bench).</summary>
    public const int Largest = 8;

    /// <summary>
    /// How much slower per run than the fastest a larger size may measure and still be chosen: sizes 3 to
    /// 8 measure within a few per cent of each other, so which one is fastest by a hair is noise (one
    /// Intel Xeon core chose 6, 8, 8, 6 and 3 in five measurements, an AMD EPYC Zen 5 core 3 once; with
    /// 5 % another Zen 5 core still chose 3, where a3 bench puts 8 7 % ahead per run), while larger groups
    /// leave a sweep fewer, fuller rounds (16 trials on 2 slots: groups of 3, 3 and 2 on each slot
    /// against one of 8).
    /// </summary>
    public const double Tolerance = 0.10;

    /// <summary>The sizes measured, in the order measured.</summary>
    public static IReadOnlyList<int> Measured { get; } = [8, 6, 4, 3, 2, 1];

    public static int Fastest(DataSplits data, IGemm gemm)
    {
        var config = new TrainingConfig
        {
            Hidden = [50, 50],
            BatchNorm = true,
            BatchSize = Math.Min(100, data.Train.Count),
        };
        var perRun = Measured.ToDictionary(size => size, _ => double.MaxValue);
        for (var round = 0; round < 3; round++)
        {
            var runs = Enumerable
                .Range(1, Largest)
                .Select(seed => TrainingRun.Start(config with { Seed = seed, DataOrderSeed = 1 }, data, gemm))
                .ToArray();
            foreach (var size in Measured)
            {
                var group = new TrainingGroup(runs[..size]);
                var millis = StepBenchmark.MedianStepMillis(group, steps: 40) / size;
                group.Release();
                perRun[size] = Math.Min(perRun[size], millis);
            }
        }
        return Choose(perRun);
    }

    /// <summary>From each size's time per run, the largest within <see cref="Tolerance"/> of the fastest.</summary>
    public static int Choose(IReadOnlyDictionary<int, double> perRunMillis)
    {
        var fastest = perRunMillis.Values.Min();
        return perRunMillis.Where(pair => pair.Value <= fastest * (1 + Tolerance)).Max(pair => pair.Key);
    }
}
