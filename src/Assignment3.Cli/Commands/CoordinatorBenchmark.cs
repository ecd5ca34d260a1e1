using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using Akka.Actor;
using Assignment3.Core.Randomness;
using Assignment3.Experiments.Sweeps;
using Assignment3.Storage;
using Assignment3.Sweeps.Hosting;
using Assignment3.Sweeps.Trials;

namespace Assignment3.Cli.Commands;

/// <summary>One stretch of a run: trials recorded in it and their rate (the coordinator's throughput over time).</summary>
public sealed record BenchmarkStretch(double FromSeconds, double ToSeconds, int Trials, double TrialsPerSecond);

/// <summary>
/// Resident memory (after a full collection) and managed heap at one moment of a run, and how many of the
/// worker nodes stopped so far are still in memory then (the benchmark's own share, not the coordinator's).
/// </summary>
public sealed record MemoryAt(
    double Seconds,
    int Recorded,
    double WorkingSetMB,
    double HeapMB,
    int StoppedNodesInMemory = 0
);

/// <param name="HeapGrowthMB">Managed heap after the sweep minus before it (both after a full collection): what the sweep's state costs.</param>
/// <param name="NodesReplaced">With churn: worker nodes stopped and replaced by new ones while the sweep ran.</param>
/// <param name="Stretches">Throughput per tenth of the run (of its trials; of its duration for a soak).</param>
/// <param name="LongestGapSeconds">The longest time between two trials recorded one after the other, and when it ended.</param>
/// <param name="WorkingSetPerTrialKB">Resident memory per recorded trial: after minus before, both after a full collection.</param>
/// <param name="SecondHalf">A soak's memory at the start and the end of its second half.</param>
public sealed record CoordinatorBenchmarkResult(
    int Trials,
    double Seconds,
    double TrialsPerSecond,
    int WorkerNodes,
    int SlotsPerNode,
    double HeapGrowthMB,
    double PeakWorkingSetMB,
    int NodesReplaced,
    bool EveryTrialOnce,
    IReadOnlyList<BenchmarkStretch> Stretches,
    double LongestGapSeconds,
    double LongestGapEndedAtSeconds,
    MemoryAt MemoryBefore,
    MemoryAt MemoryAfter,
    double WorkingSetPerTrialKB,
    double HeapPerTrialKB,
    IReadOnlyList<MemoryAt>? SecondHalf
);

/// <summary>
/// The sweep machinery's own cost: a coordinator node and worker nodes (separate actor systems in this
/// process, talking TCP over 127.0.0.1) work through a sweep whose trainer returns at once, every event
/// journaled in the durable store as in a real sweep. Timed from the first trial handed out to the last
/// one recorded, journaled and written. With churn, a worker node leaves and a new one joins every
/// couple of seconds, and the store is checked for every trial recorded exactly once. A soak
/// (<c>duration</c>) keeps every slot busy for that long on a sweep larger than it can finish, then
/// stops it; its trials may pretend to train for <c>trialTime</c> each, so as many are in flight as
/// there are slots at a rate a real cluster would ask for.
/// </summary>
public static class CoordinatorBenchmark
{
    private const int StretchCount = 10;

    public static async Task<CoordinatorBenchmarkResult> RunAsync(
        int trials,
        int nodes,
        int slotsPerNode,
        bool churn,
        TimeSpan? duration,
        TimeSpan trialTime,
        Action<string> say,
        CancellationToken cancellation
    )
    {
        // A soak's sweep is larger than any run can finish (it ends when its time is up): a grid of
        // two parameters, so no list of values is as long as the plan, tabled by one of them.
        var planned = duration is null ? trials : 100_000_000;
        var (lambdas, etas) = duration is null ? (trials / 2, 1) : (10_000, planned / 2 / 10_000);
        var sweep = SweepConfig.Parse(
            $$"""
            name = coordinator-benchmark
            network { batch-norm = [false, true] }
            training {
              lambda = { log-grid = [1e-6, 1e-1], count = {{lambdas.ToString(CultureInfo.InvariantCulture)}} }
              eta-max = { log-grid = [0.01, 0.1], count = {{etas.ToString(CultureInfo.InvariantCulture)}} }
            }
            sweep {
              max-trials = {{planned.ToString(CultureInfo.InvariantCulture)}}
              table { rows = lambda, columns = batch-norm }
            }
            """,
            "(coordinator benchmark)"
        );
        var folder = Directory.CreateTempSubdirectory("a3-coordinator-bench-").FullName;
        var source = new FixedRunnerSource(
            "bench",
            new InstantTrialRunner(duration: trialTime > TimeSpan.Zero ? _ => trialTime : null)
        );
        var workers = new List<SweepHost>();
        try
        {
            var monitor = new SweepMonitor();
            using var store = SweepStore.Create(folder, sweep.Text);
            var journal = new TimedJournal(new StoreJournal(store), duration is null ? trials : null);
            await using var coordinator = SweepHost.StartCoordinator(
                sweep,
                folder,
                monitor,
                "bench",
                source: null,
                slots: 0,
                journal: journal
            );
            var completion = coordinator.Completion(cancellation);
            for (var i = 0; i < nodes; i++)
                workers.Add(SweepHost.StartWorker(coordinator.NodeName, source, slotsPerNode));
            // The clock starts once every worker node has joined, so cluster formation is not counted;
            // nor are the worker nodes' actor systems in the memory's growth.
            await Task.WhenAny(completion, Task.WhenAll(workers.Select(w => w.Joined)));
            var before = Measure(journal, TimeSpan.Zero, []);
            journal.Start();
            var clock = Stopwatch.StartNew();
            var replaced = 0;
            var random = new Xoshiro256StarStar(1);
            var leavings = new List<Task>();
            var stopped = new List<WeakReference<ActorSystem>>();
            var secondHalf = new List<MemoryAt>();
            var deadline = duration is { } d ? Task.Delay(d, cancellation) : Task.Delay(Timeout.Infinite, cancellation);
            var halfway = duration is { } h
                ? Task.Delay(h / 2, cancellation)
                : Task.Delay(Timeout.Infinite, cancellation);
            var nextChurn = TimeSpan.FromSeconds(2);
            while (!completion.IsCompleted && !deadline.IsCompleted)
            {
                // Without churn the loop waits for the end alone: no timer is made per turn.
                var churnDue = churn
                    ? Task.Delay(TimeSpan.FromTicks(Math.Max(0, (nextChurn - clock.Elapsed).Ticks)), cancellation)
                    : deadline;
                await Task.WhenAny(completion, deadline, halfway, churnDue);
                if (halfway.IsCompleted && secondHalf.Count == 0)
                {
                    // Nodes still leaving hold their memory until they have left: not the coordinator's.
                    await Task.WhenAll(leavings);
                    secondHalf.Add(Measure(journal, clock.Elapsed, stopped));
                    journal.Resume();
                    say(
                        $"  {clock.Elapsed.TotalSeconds:F0} s: {Describe(secondHalf[0])} at the start of the second half"
                    );
                    halfway = deadline; // measured once: from now on the loop waits for churn or the end
                }
                if (!churn || !churnDue.IsCompleted || completion.IsCompleted || deadline.IsCompleted)
                    continue;
                nextChurn = clock.Elapsed + TimeSpan.FromSeconds(2);
                var leaving = workers[random.Next(workers.Count)];
                workers.Remove(leaving);
                stopped.Add(new WeakReference<ActorSystem>(leaving.System));
                // A finished leaving's task would keep its node (its whole actor system) in memory: dropped.
                leavings.RemoveAll(t => t.IsCompletedSuccessfully);
                leavings.Add(leaving.DisposeAsync().AsTask()); // leaves while the next one joins
                workers.Add(SweepHost.StartWorker(coordinator.NodeName, source, slotsPerNode));
                replaced++;
                say(
                    $"  {clock.Elapsed.TotalSeconds:F0} s: {replaced} worker nodes replaced, "
                        + $"{journal.Recorded} trials recorded"
                );
            }
            if (duration is not null)
            {
                await Task.WhenAll(leavings);
                secondHalf.Add(Measure(journal, clock.Elapsed, stopped));
            }
            // A soak stops its coordinator while trials are out: what was recorded is in the store.
            var recordedCount = duration is null ? (await completion).Trials : journal.Recorded;
            var seconds = clock.Elapsed.TotalSeconds;
            var stretches = journal.Stretches(duration);
            await Task.WhenAll(leavings);
            var after = duration is null ? Measure(journal, clock.Elapsed, stopped) : secondHalf[^1];
            using var process = Process.GetCurrentProcess();
            var recorded = SweepStore.Read(folder).Events.OfType<TrialRecorded>().Select(r => r.Trial).ToArray();
            // A soak's coordinator records a few more before it stops: those are checked too.
            var everyOnce = recorded.Length >= recordedCount && recorded.Distinct().Count() == recorded.Length;
            var perTrial = Math.Max(1, after.Recorded - before.Recorded);
            return new CoordinatorBenchmarkResult(
                recordedCount,
                Math.Round(seconds, 3),
                Math.Round(recordedCount / seconds, 1),
                nodes,
                slotsPerNode,
                Math.Round(after.HeapMB - before.HeapMB, 1),
                Math.Round(process.PeakWorkingSet64 / (1024.0 * 1024.0), 1),
                replaced,
                everyOnce,
                stretches,
                Math.Round(journal.LongestGap.TotalSeconds, 3),
                Math.Round(journal.LongestGapEndedAt.TotalSeconds, 1),
                before,
                after,
                Math.Round((after.WorkingSetMB - before.WorkingSetMB) * 1024 / perTrial, 3),
                Math.Round((after.HeapMB - before.HeapMB) * 1024 / perTrial, 3),
                duration is null ? null : secondHalf
            );
        }
        finally
        {
            await Task.WhenAll(workers.Select(w => w.DisposeAsync().AsTask()));
            Directory.Delete(folder, recursive: true);
        }
    }

    public static string Describe(MemoryAt memory) =>
        $"{memory.Recorded} trials recorded, resident {memory.WorkingSetMB:F0} MB, managed heap {memory.HeapMB:F0} MB"
        + (
            memory.StoppedNodesInMemory > 0
                ? $", {memory.StoppedNodesInMemory} stopped worker nodes still in memory"
                : ""
        );

    /// <summary>
    /// Memory after a full, compacting collection, so garbage not yet collected does not count. A stopped
    /// worker node still in memory then is the benchmark's, not the coordinator's: Akka.Remote's thread-local
    /// caches of actor refs and DotNetty's event loops keep a stopped actor system of this process reachable
    /// (a heap walk found both), which a real worker node, a process of its own, never leaves behind.
    /// </summary>
    private static MemoryAt Measure(
        TimedJournal journal,
        TimeSpan at,
        IReadOnlyList<WeakReference<ActorSystem>> stopped
    )
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        using var process = Process.GetCurrentProcess();
        return new MemoryAt(
            Math.Round(at.TotalSeconds, 1),
            journal.Recorded,
            Math.Round(process.WorkingSet64 / (1024.0 * 1024.0), 1),
            Math.Round(GC.GetTotalMemory(forceFullCollection: false) / (1024.0 * 1024.0), 1),
            stopped.Count(s => s.TryGetTarget(out _))
        );
    }

    /// <summary>
    /// The store's journal, timing each trial the coordinator records: the longest gap between two, and
    /// when each tenth of the run's trials was reached (or how many were recorded in each tenth of a soak).
    /// Called on the coordinator's thread; read from the benchmark's.
    /// </summary>
    private sealed class TimedJournal(ISweepJournal inner, int? trials) : ISweepJournal
    {
        private readonly List<(long Ticks, int Recorded)> marks = new();
        private long started;
        private int recordedAtStart;
        private long last;
        private long longestGap;
        private long longestGapEnded;
        private int recorded;

        public int Recorded => Volatile.Read(ref recorded);
        public TimeSpan LongestGap => Stopwatch.GetElapsedTime(0, longestGap);
        public TimeSpan LongestGapEndedAt => Stopwatch.GetElapsedTime(started, longestGapEnded);

        public void Start()
        {
            lock (marks)
            {
                started = last = Stopwatch.GetTimestamp();
                recordedAtStart = Recorded;
                marks.Add((started, recordedAtStart));
            }
        }

        public void Append(SweepEvent e, byte[]? checkpoint = null)
        {
            inner.Append(e, checkpoint);
            if (e is not TrialRecorded)
                return;
            var now = Stopwatch.GetTimestamp();
            var count = Interlocked.Increment(ref recorded);
            lock (marks)
            {
                if (started == 0)
                    return;
                if (now - last > longestGap)
                    (longestGap, longestGapEnded) = (now - last, now);
                last = now;
                if (
                    trials is { } n
                    && (count - recordedAtStart) % Math.Max(1, (n - recordedAtStart) / StretchCount) == 0
                )
                    marks.Add((now, count));
                else if (trials is null && Stopwatch.GetElapsedTime(marks[^1].Ticks, now) >= TimeSpan.FromSeconds(1))
                    marks.Add((now, count)); // a soak: a mark a second, cut into tenths of the run at the end
            }
        }

        public byte[]? Checkpoint(int trial) => inner.Checkpoint(trial);

        /// <summary>After the benchmark's own pause (a forced collection): the gap counts from now.</summary>
        public void Resume()
        {
            lock (marks)
                last = Stopwatch.GetTimestamp();
        }

        public IReadOnlyList<BenchmarkStretch> Stretches(TimeSpan? duration)
        {
            lock (marks)
            {
                var points = marks
                    .Select(m => (Seconds: Stopwatch.GetElapsedTime(started, m.Ticks).TotalSeconds, m.Recorded))
                    .ToArray();
                if (duration is { } d)
                    // The last mark at or before each tenth of the soak's duration.
                    points = Enumerable
                        .Range(0, StretchCount + 1)
                        .Select(i =>
                            points.LastOrDefault(p => p.Seconds <= d.TotalSeconds * i / StretchCount, points[0])
                        )
                        .Distinct()
                        .ToArray();
                return points
                    .Zip(points.Skip(1))
                    .Select(p => new BenchmarkStretch(
                        Math.Round(p.First.Seconds, 2),
                        Math.Round(p.Second.Seconds, 2),
                        p.Second.Recorded - p.First.Recorded,
                        Math.Round((p.Second.Recorded - p.First.Recorded) / (p.Second.Seconds - p.First.Seconds), 1)
                    ))
                    .ToArray();
            }
        }
    }
}
