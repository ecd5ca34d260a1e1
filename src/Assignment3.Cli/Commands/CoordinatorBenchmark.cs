using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using Assignment3.Core.Randomness;
using Assignment3.Experiments.Scheduling;
using Assignment3.Experiments.Sweeps;
using Assignment3.Storage;
using Assignment3.Sweeps.Hosting;
using Assignment3.Sweeps.Trials;

namespace Assignment3.Cli.Commands;

/// <summary>
/// One stretch of a run: trials recorded in it and their rate (the coordinator's throughput over time), and the
/// processor time per recorded trial the coordinator's process and the worker nodes' process took in it: which
/// of the two sets the rate, and whether the coordinator's cost per trial grows as it records more.
/// </summary>
public sealed record BenchmarkStretch(
    double FromSeconds,
    double ToSeconds,
    int Trials,
    double TrialsPerSecond,
    double CoordinatorCpuMsPerTrial,
    double WorkersCpuMsPerTrial
);

/// <summary>The coordinator process's resident memory (after a full collection) and managed heap at a moment of a run.</summary>
public sealed record MemoryAt(double Seconds, int Recorded, double WorkingSetMB, double HeapMB);

/// <param name="HeapGrowthMB">Managed heap after the sweep minus before it (both after a full collection): what the sweep's state costs.</param>
/// <param name="Schedule">The sweep's early-stopping policy (grid: none), each with its default settings.</param>
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
    string Schedule,
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
/// The sweep machinery's own cost: a coordinator node in this process and worker nodes in another
/// (<c>a3 bench-worker</c>, each node an actor system; talking TCP over 127.0.0.1) work through a
/// sweep whose trainer returns at once, every event journaled in the durable store as in a real
/// sweep. Timed from the first trial handed out to the last one recorded, journaled and written.
/// With churn, a worker node leaves and a new one joins every couple of seconds, and the store is
/// checked for every trial recorded exactly once. A soak (<c>duration</c>) keeps every slot busy
/// for that long on a sweep larger than it can finish, then stops it; its trials may pretend to
/// train for <c>trialTime</c> each, so as many are in flight as there are slots at a rate a real
/// cluster would ask for.
/// </summary>
public static class CoordinatorBenchmark
{
    private const int StretchCount = 10;

    public static async Task<CoordinatorBenchmarkResult> RunAsync(
        int trials,
        int nodes,
        int slotsPerNode,
        string schedule,
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
        // Under an early-stopping policy every trial has 9 cycles, so that it has decision points (1, 3, 9 for
        // successive halving); a threshold lets on about half (the trials' accuracies are spread over 0 to 1).
        var stops = schedule != GridSchedule.Instance.Name;
        var cycles = stops ? "cycles = 9" : "";
        var bar = schedule == ThresholdSchedule.Instance.Name ? ", min-accuracy = 0.5" : "";
        var settings = stops ? $"schedule {{ policy = {schedule}{bar} }}" : "";
        var sweep = SweepConfig.Parse(
            $$"""
            name = coordinator-benchmark
            network { batch-norm = [false, true] }
            training {
              lambda = { log-grid = [1e-6, 1e-1], count = {{lambdas.ToString(CultureInfo.InvariantCulture)}} }
              eta-max = { log-grid = [0.01, 0.1], count = {{etas.ToString(CultureInfo.InvariantCulture)}} }
              {{cycles}}
            }
            sweep {
              max-trials = {{planned.ToString(CultureInfo.InvariantCulture)}}
              table { rows = lambda, columns = batch-norm }
              {{settings}}
            }
            """,
            "(coordinator benchmark)"
        );
        RemoveFoldersOfKilledRuns();
        var folder = Directory.CreateTempSubdirectory(FolderPrefix).FullName;
        File.WriteAllText(
            Path.Combine(folder, OwnerFile),
            Environment.ProcessId.ToString(CultureInfo.InvariantCulture)
        );
        // The worker nodes run in one process of their own, so this one's memory and time are the coordinator's:
        // a stopped node stays in its process's memory (Akka.Remote's thread-local caches of actor refs and
        // DotNetty's event loops keep its actor system reachable: a heap walk found both). One process, not one
        // per node: every runtime more on a machine of few cores takes its share of the cores (32 nodes in 4
        // processes recorded a quarter of the trials per second that they did in one).
        WorkerProcess? workers = null;
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
            workers = new WorkerProcess(coordinator.NodeName, nodes, slotsPerNode, trialTime);
            // The clock starts once every worker node has joined, so cluster formation is not counted.
            await Task.WhenAny(completion, workers.JoinAsync(cancellation));
            var before = Measure(journal, TimeSpan.Zero);
            journal.Start(() => workers.ProcessorTime);
            var clock = Stopwatch.StartNew();
            var replaced = 0;
            var random = new Xoshiro256StarStar(1);
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
                await Task.WhenAny(completion, deadline, halfway, churnDue, workers.Ended);
                if (completion.IsCompleted || deadline.IsCompleted)
                    break;
                if (workers.Ended.IsCompleted)
                    throw new InvalidOperationException(workers.Problem);
                if (halfway.IsCompleted && secondHalf.Count == 0)
                {
                    secondHalf.Add(await MeasureSettled(journal, clock));
                    journal.Resume();
                    say(
                        $"  {clock.Elapsed.TotalSeconds:F0} s: {Describe(secondHalf[0])} at the start of the second half"
                    );
                    halfway = deadline; // measured once: from now on the loop waits for churn or the end
                }
                if (!churn || !churnDue.IsCompleted)
                    continue;
                nextChurn = clock.Elapsed + TimeSpan.FromSeconds(2);
                await workers.ReplaceAsync(random.Next(nodes));
                replaced++;
                say(
                    $"  {clock.Elapsed.TotalSeconds:F0} s: {replaced} worker nodes replaced, "
                        + $"{journal.Recorded} trials recorded"
                );
            }
            if (duration is not null)
                secondHalf.Add(await MeasureSettled(journal, clock));
            // A soak stops its coordinator while trials are out: what was recorded is in the store.
            var recordedCount = duration is null ? (await completion).Trials : journal.Recorded;
            var seconds = clock.Elapsed.TotalSeconds;
            var stretches = journal.Stretches(duration);
            var after = duration is null ? Measure(journal, clock.Elapsed) : secondHalf[^1];
            using var process = Process.GetCurrentProcess();
            var recorded = SweepStore
                .Read(folder)
                .Events.Where(SweepEvent.EndsTrial)
                .Select(e => ((ITrialEvent)e).Trial)
                .ToArray();
            // A soak's coordinator records a few more before it stops: those are checked too.
            var everyOnce = recorded.Length >= recordedCount && recorded.Distinct().Count() == recorded.Length;
            var perTrial = Math.Max(1, after.Recorded - before.Recorded);
            return new CoordinatorBenchmarkResult(
                recordedCount,
                Math.Round(seconds, 3),
                Math.Round(recordedCount / seconds, 1),
                nodes,
                slotsPerNode,
                schedule,
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
            if (workers is not null)
            {
                await workers.LeaveAsync();
                workers.Dispose();
            }
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// What a worker node of the benchmark trains with: nothing, for <paramref name="trialTime"/> a trial, to an
    /// accuracy drawn from the trial's seed (so that an early-stopping policy has results to tell apart).
    /// </summary>
    public static ITrialRunnerSource WorkerSource(TimeSpan trialTime) =>
        new FixedRunnerSource(
            "bench",
            new InstantTrialRunner(
                config => (config.Seed & 0xFFFF) / 65536.0,
                trialTime > TimeSpan.Zero ? _ => trialTime : null
            )
        );

    public static string Describe(MemoryAt memory) =>
        $"{memory.Recorded} trials recorded, resident {memory.WorkingSetMB:F0} MB, managed heap {memory.HeapMB:F0} MB";

    private const string FolderPrefix = "a3-coordinator-bench-";
    private const string OwnerFile = "owner.pid";

    /// <summary>
    /// Deletes the temporary sweep folders of earlier runs that were killed (a killed run cannot delete its
    /// own): those whose owner process is gone. A folder without an owner file is left alone.
    /// </summary>
    private static void RemoveFoldersOfKilledRuns()
    {
        foreach (var folder in Directory.EnumerateDirectories(Path.GetTempPath(), FolderPrefix + "*"))
        {
            try
            {
                var owner = int.Parse(File.ReadAllText(Path.Combine(folder, OwnerFile)), CultureInfo.InvariantCulture);
                if (IsRunning(owner))
                    continue;
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// A soak's memory while its sweep runs: of a few measurements a couple of seconds apart, the one
    /// with the smallest heap. The aggregator rewrites its outputs for a good share of the time, and a
    /// measurement that catches a rewrite in flight counts all it builds (a row per trial, the report's
    /// data) as kept.
    /// </summary>
    private static async Task<MemoryAt> MeasureSettled(TimedJournal journal, Stopwatch clock)
    {
        var samples = new List<MemoryAt> { Measure(journal, clock.Elapsed) };
        while (samples.Count < 3)
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            samples.Add(Measure(journal, clock.Elapsed));
        }
        return samples.MinBy(m => m.HeapMB)!;
    }

    /// <summary>Memory after a full, compacting collection, so garbage not yet collected does not count.</summary>
    private static MemoryAt Measure(TimedJournal journal, TimeSpan at)
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        using var process = Process.GetCurrentProcess();
        return new MemoryAt(
            Math.Round(at.TotalSeconds, 1),
            journal.Recorded,
            Math.Round(process.WorkingSet64 / (1024.0 * 1024.0), 1),
            Math.Round(GC.GetTotalMemory(forceFullCollection: false) / (1024.0 * 1024.0), 1)
        );
    }

    /// <summary>
    /// Worker nodes in a process of their own (<c>a3 bench-worker</c>, started the way this one was), its
    /// stdout read for their joining and the end of its stderr kept for when it fails.
    /// </summary>
    private sealed class WorkerProcess : IDisposable
    {
        private static readonly TimeSpan LeaveTimeout = TimeSpan.FromSeconds(30);
        private readonly Process process;
        private readonly TaskCompletionSource joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Queue<string> lastErrors = new();

        public WorkerProcess(string seed, int nodes, int slotsPerNode, TimeSpan trialTime)
        {
            var self = Environment.ProcessPath
                ?? throw new InvalidOperationException("a3 cannot find its own executable");
            var info = new ProcessStartInfo(self)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            if (Path.GetFileNameWithoutExtension(self) == "dotnet") // run as dotnet a3.dll; a published a3 is itself
                info.ArgumentList.Add(typeof(CoordinatorBenchmark).Assembly.Location);
            string[] args =
            [
                "bench-worker",
                "--seed",
                seed,
                "--nodes",
                nodes.ToString(CultureInfo.InvariantCulture),
                "--node-slots",
                slotsPerNode.ToString(CultureInfo.InvariantCulture),
                "--trial-ms",
                ((long)trialTime.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            ];
            foreach (var arg in args)
                info.ArgumentList.Add(arg);
            process = new Process { StartInfo = info };
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data == BenchWorkerCommand.JoinedLine)
                    joined.TrySetResult();
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not { } line)
                    return;
                lock (lastErrors)
                {
                    lastErrors.Enqueue(line);
                    if (lastErrors.Count > 10)
                        lastErrors.Dequeue();
                }
            };
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            Ended = process.WaitForExitAsync();
        }

        public TimeSpan ProcessorTime => process.TotalProcessorTime;

        /// <summary>Completes when the process has exited, asked to or not.</summary>
        public Task Ended { get; }

        public string Problem
        {
            get
            {
                lock (lastErrors)
                    return $"worker nodes of the benchmark (a3 bench-worker, process {process.Id}) exited with code "
                        + $"{process.ExitCode}: {string.Join(" | ", lastErrors)}";
            }
        }

        public async Task JoinAsync(CancellationToken cancellation)
        {
            await Task.WhenAny(joined.Task, Ended).WaitAsync(cancellation);
            if (!joined.Task.IsCompleted)
                throw new InvalidOperationException(Problem);
        }

        /// <summary>Its node <paramref name="node"/> leaves the cluster while a new one joins in its place.</summary>
        public async Task ReplaceAsync(int node)
        {
            await process.StandardInput.WriteLineAsync($"{BenchWorkerCommand.Replace} {node}");
            await process.StandardInput.FlushAsync();
        }

        /// <summary>Closes its standard input: its nodes leave the cluster and it exits (killed if not in time).</summary>
        public async Task LeaveAsync()
        {
            try
            {
                process.StandardInput.Close();
                await Ended.WaitAsync(LeaveTimeout);
            }
            catch (TimeoutException)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        public void Dispose()
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
            process.Dispose();
        }
    }

    /// <summary>
    /// The store's journal, timing each trial the coordinator records (its result, or its stop by an
    /// early-stopping policy): the longest gap between two, and
    /// when each tenth of the run's trials was reached (or how many were recorded in each tenth of a soak).
    /// Called on the coordinator's thread; read from the benchmark's.
    /// </summary>
    private sealed class TimedJournal(ISweepJournal inner, int? trials) : ISweepJournal
    {
        private readonly List<(long Ticks, int Recorded, TimeSpan Cpu, TimeSpan WorkersCpu)> marks = new();
        private Func<TimeSpan> workersCpu = () => TimeSpan.Zero;
        private long started;
        private int recordedAtStart;
        private long last;
        private long longestGap;
        private long longestGapEnded;
        private int recorded;

        public int Recorded => Volatile.Read(ref recorded);
        public TimeSpan LongestGap => Stopwatch.GetElapsedTime(0, longestGap);
        public TimeSpan LongestGapEndedAt => Stopwatch.GetElapsedTime(started, longestGapEnded);

        /// <param name="workers">The worker nodes' process's processor time so far.</param>
        public void Start(Func<TimeSpan> workers)
        {
            lock (marks)
            {
                workersCpu = workers;
                started = last = Stopwatch.GetTimestamp();
                recordedAtStart = Recorded;
                Mark(started, recordedAtStart);
            }
        }

        private void Mark(long ticks, int count) =>
            marks.Add((ticks, count, Environment.CpuUsage.TotalTime, workersCpu()));

        public void Append(SweepEvent e, byte[]? checkpoint = null)
        {
            inner.Append(e, checkpoint);
            if (!SweepEvent.EndsTrial(e))
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
                    Mark(now, count);
                else if (trials is null && Stopwatch.GetElapsedTime(marks[^1].Ticks, now) >= TimeSpan.FromSeconds(1))
                    Mark(now, count); // a soak: a mark a second, cut into tenths of the run at the end
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
                    .Select(m =>
                        (
                            Seconds: Stopwatch.GetElapsedTime(started, m.Ticks).TotalSeconds,
                            m.Recorded,
                            m.Cpu,
                            m.WorkersCpu
                        )
                    )
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
                    .Select(p =>
                    {
                        var count = p.Second.Recorded - p.First.Recorded;
                        return new BenchmarkStretch(
                            Math.Round(p.First.Seconds, 2),
                            Math.Round(p.Second.Seconds, 2),
                            count,
                            Math.Round(count / (p.Second.Seconds - p.First.Seconds), 1),
                            Math.Round((p.Second.Cpu - p.First.Cpu).TotalMilliseconds / Math.Max(1, count), 3),
                            Math.Round(
                                (p.Second.WorkersCpu - p.First.WorkersCpu).TotalMilliseconds / Math.Max(1, count),
                                3
                            )
                        );
                    })
                    .ToArray();
            }
        }
    }
}
