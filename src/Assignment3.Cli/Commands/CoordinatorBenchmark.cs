using System.Diagnostics;
using System.Globalization;
using Assignment3.Experiments.Sweeps;
using Assignment3.Storage;
using Assignment3.Sweeps.Hosting;
using Assignment3.Sweeps.Trials;

namespace Assignment3.Cli.Commands;

public sealed record CoordinatorBenchmarkResult(int Trials, double Seconds, double TrialsPerSecond, int WorkerNodes, int SlotsPerNode);

/// <summary>
/// The sweep machinery's own cost: a coordinator node and two worker nodes (separate actor systems
/// talking TCP over 127.0.0.1) work through a sweep whose trainer returns at once. Timed from the
/// first trial handed out to the last one recorded, journaled and written.
/// </summary>
public static class CoordinatorBenchmark
{
    public static async Task<CoordinatorBenchmarkResult> RunAsync(int trials, CancellationToken cancellation)
    {
        var sweep = SweepConfig.Parse($$"""
            name = coordinator-benchmark
            network { batch-norm = [false, true] }
            training { lambda = { log-grid = [1e-6, 1e-1], count = {{(trials / 2).ToString(CultureInfo.InvariantCulture)}} } }
            sweep { max-trials = {{trials.ToString(CultureInfo.InvariantCulture)}} }
            """, "(coordinator benchmark)");
        var folder = Directory.CreateTempSubdirectory("a3-coordinator-bench-").FullName;
        try
        {
            var monitor = new SweepMonitor();
            // As in a real sweep, every state change goes to the durable store first.
            using var store = SweepStore.Create(folder, sweep.Text);
            await using var coordinator = SweepHost.StartCoordinator(sweep, folder, monitor, "bench", source: null, slots: 0, journal: new StoreJournal(store));
            var seed = coordinator.NodeName;
            var completion = coordinator.Completion(cancellation);
            await using var first = SweepHost.StartWorker(seed, new FixedRunnerSource("bench", new InstantTrialRunner()), 2);
            await using var second = SweepHost.StartWorker(seed, new FixedRunnerSource("bench", new InstantTrialRunner()), 2);
            // The clock starts with the first trial handed out, so cluster formation is not counted.
            while (monitor.Current.Completed == 0 && monitor.Current.Running.Count == 0 && !completion.IsCompleted)
                await Task.Delay(1, cancellation);
            var clock = Stopwatch.StartNew();
            var done = await completion;
            var seconds = clock.Elapsed.TotalSeconds;
            return new CoordinatorBenchmarkResult(done.Trials, Math.Round(seconds, 3), Math.Round(done.Trials / seconds, 1), 2, 2);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
