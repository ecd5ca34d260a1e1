using System.Diagnostics;
using System.Globalization;
using Assignment3.Core.Randomness;
using Assignment3.Experiments.Sweeps;
using Assignment3.Storage;
using Assignment3.Sweeps.Hosting;
using Assignment3.Sweeps.Trials;

namespace Assignment3.Cli.Commands;

/// <param name="HeapGrowthMB">Managed heap after the sweep minus before it (both after a full collection): what the sweep's state costs.</param>
/// <param name="NodesReplaced">With churn: worker nodes stopped and replaced by new ones while the sweep ran.</param>
public sealed record CoordinatorBenchmarkResult(
    int Trials,
    double Seconds,
    double TrialsPerSecond,
    int WorkerNodes,
    int SlotsPerNode,
    double HeapGrowthMB,
    double PeakWorkingSetMB,
    int NodesReplaced,
    bool EveryTrialOnce
);

/// <summary>
/// The sweep machinery's own cost: a coordinator node and worker nodes (separate actor systems in this
/// process, talking TCP over 127.0.0.1) work through a sweep whose trainer returns at once, every event
/// journaled in the durable store as in a real sweep. Timed from the first trial handed out to the last
/// one recorded, journaled and written. With churn, a worker node leaves and a new one joins every
/// couple of seconds, and the store is checked for every trial recorded exactly once.
/// </summary>
public static class CoordinatorBenchmark
{
    public static async Task<CoordinatorBenchmarkResult> RunAsync(
        int trials,
        int nodes,
        int slotsPerNode,
        bool churn,
        Action<string> say,
        CancellationToken cancellation
    )
    {
        var sweep = SweepConfig.Parse(
            $$"""
            name = coordinator-benchmark
            network { batch-norm = [false, true] }
            training { lambda = { log-grid = [1e-6, 1e-1], count = {{(trials / 2).ToString(
                CultureInfo.InvariantCulture
            )}} } }
            sweep { max-trials = {{trials.ToString(CultureInfo.InvariantCulture)}} }
            """,
            "(coordinator benchmark)"
        );
        var folder = Directory.CreateTempSubdirectory("a3-coordinator-bench-").FullName;
        var source = new FixedRunnerSource("bench", new InstantTrialRunner());
        var workers = new List<SweepHost>();
        try
        {
            var monitor = new SweepMonitor();
            using var store = SweepStore.Create(folder, sweep.Text);
            await using var coordinator = SweepHost.StartCoordinator(
                sweep,
                folder,
                monitor,
                "bench",
                source: null,
                slots: 0,
                journal: new StoreJournal(store)
            );
            var completion = coordinator.Completion(cancellation);
            for (var i = 0; i < nodes; i++)
                workers.Add(SweepHost.StartWorker(coordinator.NodeName, source, slotsPerNode));
            // The clock starts with the first trial handed out, so cluster formation is not counted;
            // nor are the worker nodes' actor systems in the heap's growth.
            while (monitor.Current.Recorded == 0 && monitor.Current.Running.Count == 0 && !completion.IsCompleted)
                await Task.Delay(1, cancellation);
            var heapBefore = GC.GetTotalMemory(forceFullCollection: false);
            var clock = Stopwatch.StartNew();
            var replaced = 0;
            var random = new Xoshiro256StarStar(1);
            var leavings = new List<Task>();
            while (churn && !completion.IsCompleted)
            {
                await Task.WhenAny(completion, Task.Delay(TimeSpan.FromSeconds(2), cancellation));
                if (completion.IsCompleted)
                    break;
                var leaving = workers[random.Next(workers.Count)];
                workers.Remove(leaving);
                leavings.Add(leaving.DisposeAsync().AsTask()); // leaves while the next one joins
                workers.Add(SweepHost.StartWorker(coordinator.NodeName, source, slotsPerNode));
                replaced++;
                say(
                    $"  {clock.Elapsed.TotalSeconds:F0} s: {replaced} worker nodes replaced, {monitor.Current.Recorded} of {trials} trials recorded"
                );
            }
            var done = await completion;
            await Task.WhenAll(leavings);
            var seconds = clock.Elapsed.TotalSeconds;
            var heapGrowth = (GC.GetTotalMemory(forceFullCollection: true) - heapBefore) / (1024.0 * 1024.0);
            using var process = Process.GetCurrentProcess();
            var recorded = SweepStore.Read(folder).Events.OfType<TrialRecorded>().Select(r => r.Trial).ToArray();
            var everyOnce = recorded.Length == trials && recorded.Distinct().Count() == trials;
            return new CoordinatorBenchmarkResult(
                done.Trials,
                Math.Round(seconds, 3),
                Math.Round(done.Trials / seconds, 1),
                nodes,
                slotsPerNode,
                Math.Round(heapGrowth, 1),
                Math.Round(process.PeakWorkingSet64 / (1024.0 * 1024.0), 1),
                replaced,
                everyOnce
            );
        }
        finally
        {
            foreach (var worker in workers)
                await worker.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }
}
