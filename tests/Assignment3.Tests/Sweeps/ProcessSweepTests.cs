using Assignment3.Tests.Data;

namespace Assignment3.Tests.Sweeps;

/// <summary>
/// Real OS processes on loopback ports: a coordinator node and two worker nodes run smoke.conf and
/// must produce exactly the tables of the single-process run. Every process is stopped by the test.
/// </summary>
[Collection(nameof(ProcessCollection))]
public sealed class ProcessSweepTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);
    private readonly FakeCifar data = new(recordsPerBatch: 60);
    private readonly string work = Directory.CreateTempSubdirectory("a3-e2e-").FullName;
    private readonly A3Processes processes;

    public ProcessSweepTests() => processes = new A3Processes(data.Root);

    [Fact]
    public async Task Coordinator_and_two_worker_processes_produce_the_single_process_tables()
    {
        var smoke = RepoPaths.Config("smoke.conf");
        var single = Path.Combine(work, "single");
        var run = Start("sweep", smoke, "--out", single, "--slots", "2");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(0, await run.WaitAsync(Bound));
        AssertPlainLog(run.Output, trials: 9, clock.Elapsed);

        var port = LoopbackFileServer.FreePort();
        var spread = Path.Combine(work, "spread");
        var coordinator = Start(
            "sweep",
            smoke,
            "--out",
            spread,
            "--slots",
            "0",
            "--host",
            "127.0.0.1",
            "--port",
            port.ToString()
        );
        var workers = Enumerable
            .Range(0, 2)
            .Select(_ => Start("worker", "--seed", $"127.0.0.1:{port}", "--slots", "1"))
            .ToArray();
        Assert.Equal(0, await coordinator.WaitAsync(Bound));

        foreach (var stage in new[] { "coarse", "fine" })
            Assert.Equal(SweepFiles.Table(single, stage), SweepFiles.Table(spread, stage));
        // Every trial recorded once, all by worker nodes: the coordinator (slots 0) trains nothing. How
        // the trials split between the two workers depends on timing and is not asserted. The workers
        // were given no data options: the coordinator told them the sweep's split.
        SweepFiles.AssertEveryTrialOnceCompleted(spread, 9);
        Assert.DoesNotContain(SweepFiles.Trials(spread), r => r.Node == $"127.0.0.1:{port}");
        Assert.All(workers, w => Assert.False(w.HasExited, "a worker node stays up for the next sweep"));
        // Workers log their slots' trials as plain lines too: every trial finished on one of them.
        var finished = workers.SelectMany(w => w.Output).Where(l => l.Contains(" finished at step ")).ToArray();
        Assert.Equal(9, finished.Length);
        Assert.DoesNotContain(workers.SelectMany(w => w.Output), l => l.Contains('\u001b'));

        // The next sweep on the same address is served by the same worker processes (it trains nothing itself).
        var next = Path.Combine(work, "next");
        Assert.Equal(
            0,
            await Start("sweep", smoke, "--out", next, "--slots", "0", "--host", "127.0.0.1", "--port", port.ToString())
                .WaitAsync(Bound)
        );
        Assert.Equal(SweepFiles.Table(single), SweepFiles.Table(next));
    }

    /// <summary>
    /// What a sweep writes when stdout is not a terminal (a file, a pipe, CI): plain lines, no escape
    /// codes, one "recorded" line per trial, at most one summary line per 30 s.
    /// </summary>
    private static void AssertPlainLog(IReadOnlyList<string> output, int trials, TimeSpan elapsed)
    {
        Assert.DoesNotContain(output, l => l.Contains('\u001b'));
        Assert.DoesNotContain(output, l => l.Contains('━'));
        Assert.Equal(trials, output.Count(l => l.Contains(" recorded: validation accuracy ")));
        Assert.Equal(
            trials,
            output.Where(l => l.Contains(" recorded: ")).Select(l => l.Split(' ')[2]).Distinct().Count()
        );
        var summaries = output.Count(l => l.Contains("] stage ") && l.Contains(" recorded ("));
        Assert.True(
            summaries <= 1 + (int)(elapsed.TotalSeconds / 30),
            $"{summaries} summary lines in {elapsed.TotalSeconds:F0} s"
        );
        Assert.Contains(output, l => l.StartsWith("| lambda |")); // the final table
    }

    private A3Process Start(params string[] args) => processes.Start(args);

    public void Dispose()
    {
        processes.Dispose();
        data.Dispose();
        Directory.Delete(work, recursive: true);
    }
}

[CollectionDefinition(nameof(ProcessCollection), DisableParallelization = true)]
public sealed class ProcessCollection;
