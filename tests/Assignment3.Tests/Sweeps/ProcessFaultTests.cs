using System.Diagnostics;
using Assignment3.Experiments.Sweeps;
using Assignment3.Storage;
using Assignment3.Tests.Data;
using Xunit.Abstractions;

namespace Assignment3.Tests.Sweeps;

/// <summary>
/// The sweep the fault tests disturb, its data and its undisturbed table: made once for the class
/// (an undisturbed run is the longest part of each test).
/// </summary>
public sealed class FaultSweep : IAsyncLifetime
{
    public FakeCifar Data { get; } = new(recordsPerBatch: 60);
    public string Work { get; } = Directory.CreateTempSubdirectory("a3-faults-").FullName;
    public string Config => Path.Combine(Work, "faults.conf");
    public string Reference { get; private set; } = "";

    public async Task InitializeAsync()
    {
        // Trials of a couple of seconds, reporting progress every few hundred milliseconds, trained in
        // groups of two; the reference trains them one at a time: the faults must change neither.
        const string text = """
            name = faults
            data { split = batch1, validation-size = 500 }
            network { hidden = [10], batch-norm = [false, true] }
            training { lambda = [1e-4, 1e-3, 1e-2], batch-size = 20, eta-min = 1e-4, eta-max = 1e-2, step-size = 15000,
              cycles = 1, points-per-cycle = 20, train-eval-subset = 500 }
            sweep { seed = 5, trial-timeout = 60, group-size = GROUP, table { rows = lambda, columns = batch-norm } }
            """;
        File.WriteAllText(Config, text.Replace("GROUP", "2"));
        var alone = Path.Combine(Work, "alone.conf");
        File.WriteAllText(alone, text.Replace("GROUP", "1"));
        using var processes = new A3Processes(Data.Root);
        var folder = Path.Combine(Work, "undisturbed");
        Assert.Equal(
            0,
            await processes.Start("sweep", alone, "--out", folder, "--slots", "2").WaitAsync(TimeSpan.FromMinutes(3))
        );
        Reference = SweepFiles.Table(folder);
    }

    public Task DisposeAsync()
    {
        Data.Dispose();
        Directory.Delete(Work, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>
/// A coordinator node and two worker nodes as OS processes on loopback, training trials in groups of
/// two; one worker is killed or frozen mid-group. The sweep must complete with every trial recorded
/// once and the table of an undisturbed run that trained one trial at a time.
/// </summary>
[Collection(nameof(ProcessCollection))]
public sealed class ProcessFaultTests : IClassFixture<FaultSweep>, IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);
    private readonly ITestOutputHelper output;
    private readonly string work = Directory.CreateTempSubdirectory("a3-fault-").FullName;
    private readonly A3Processes processes;
    private readonly string config;
    private readonly FaultSweep sweep;

    public ProcessFaultTests(FaultSweep sweep, ITestOutputHelper output)
    {
        this.output = output;
        this.sweep = sweep;
        processes = new A3Processes(sweep.Data.Root, output);
        config = sweep.Config;
    }

    [Fact]
    public async Task A_worker_killed_with_SIGKILL_mid_trial_loses_only_its_trial_and_the_sweep_completes_unchanged()
    {
        var reference = sweep.Reference;
        var (coordinator, outFolder, victim, victimNode) = StartCluster("killed");

        await StartSecondWorkerWhenVictimRuns(coordinator, outFolder, victimNode);
        var killedAt = Stopwatch.StartNew();
        victim.Signal("KILL");
        await Await.Until(
            () => coordinator.Output.Any(l => l.Contains("was lost") && l.Contains(victimNode)),
            "the coordinator noticing"
        );
        output.WriteLine($"SIGKILL: lost trial re-queued {killedAt.Elapsed.TotalSeconds:F1} s after the kill");

        Assert.Equal(0, await coordinator.WaitAsync(Bound));
        SweepFiles.AssertEveryTrialOnceCompleted(outFolder, 6);
        Assert.Equal(reference, SweepFiles.Table(outFolder));
    }

    [Fact]
    public async Task A_worker_killed_after_a_checkpoint_has_its_trial_go_on_from_that_checkpoint_and_the_table_is_unchanged()
    {
        // A checkpoint at every recording point (the default interval is seconds: longer than these trials).
        var everyPoint = new Dictionary<string, string?> { ["A3_HOCON"] = "a3.sweep.checkpoint-interval = 0s" };
        var (coordinator, outFolder, victim, victimNode) = StartCluster("checkpointed", everyPoint);

        await StartSecondWorkerWhenVictimRuns(coordinator, outFolder, victimNode);
        await Await.Until(() => CheckpointedOn(outFolder, victimNode), "a checkpoint of the victim's running trial");
        victim.Signal("KILL");

        Assert.Equal(0, await coordinator.WaitAsync(Bound));
        SweepFiles.AssertEveryTrialOnceCompleted(outFolder, 6);
        Assert.Equal(sweep.Reference, SweepFiles.Table(outFolder));
        var events = SweepStore.Read(outFolder).Events;
        // Every trial its lost worker had goes on from its last checkpoint (step 0 if it had none), on another node.
        var requeues = events.OfType<TrialRequeued>().Where(e => !e.Charged).ToArray();
        Assert.NotEmpty(requeues);
        foreach (var requeued in requeues)
        {
            var saved = events
                .OfType<TrialCheckpointed>()
                .Where(e => e.Trial == requeued.Trial && e.Attempt <= requeued.Attempt)
                .Select(e => e.Step)
                .DefaultIfEmpty(0)
                .Max();
            var again = events
                .OfType<TrialStarted>()
                .Single(e => e.Trial == requeued.Trial && e.Attempt == requeued.Attempt + 1);
            Assert.Equal(saved, again.FromStep);
            Assert.NotEqual(victimNode, again.Node);
        }
        Assert.Contains(requeues, r =>
            events.OfType<TrialStarted>().Single(e => e.Trial == r.Trial && e.Attempt == r.Attempt + 1).FromStep > 0
        );
        foreach (var line in coordinator.Output.Where(l => l.Contains("back in the queue")))
            output.WriteLine(line);
    }

    /// <summary>Whether a trial running on <paramref name="node"/> has a checkpoint in the store from that attempt.</summary>
    private static bool CheckpointedOn(string outFolder, string node)
    {
        if (!File.Exists(Path.Combine(outFolder, SweepStore.FileName)))
            return false;
        IReadOnlyList<SweepEvent> events;
        try
        {
            events = SweepStore.Read(outFolder).Events;
        }
        catch (StoreException)
        {
            return false;
        } // copied halfway through a write: look again

        var running = events.OfType<TrialStarted>().Where(s => s.Node == node).ToArray();
        return running.Any(s =>
            events.OfType<TrialCheckpointed>().Any(c => c.Trial == s.Trial && c.Attempt == s.Attempt)
            && !events.OfType<TrialRecorded>().Any(r => r.Trial == s.Trial)
        );
    }

    [Fact]
    public async Task A_worker_frozen_with_SIGSTOP_past_detection_is_replaced_and_rejoins_after_SIGCONT()
    {
        var reference = sweep.Reference;
        var (coordinator, outFolder, victim, victimNode) = StartCluster("frozen");

        await StartSecondWorkerWhenVictimRuns(coordinator, outFolder, victimNode);
        var stoppedAt = Stopwatch.StartNew();
        victim.Signal("STOP");
        await Await.Until(
            () => coordinator.Output.Any(l => l.Contains("was lost") && l.Contains(victimNode)),
            "the coordinator noticing"
        );
        output.WriteLine(
            $"SIGSTOP: frozen worker's trial re-queued {stoppedAt.Elapsed.TotalSeconds:F1} s after the stop"
        );
        victim.Signal("CONT");

        Assert.Equal(0, await coordinator.WaitAsync(Bound));
        SweepFiles.AssertEveryTrialOnceCompleted(outFolder, 6);
        Assert.Equal(reference, SweepFiles.Table(outFolder));
        // The thawed node finds itself removed and joins the seed again, ready for the next sweep.
        await Await.Until(
            () => victim.Output.Any(l => l.Contains("joining the seed again")),
            "the frozen worker rejoining"
        );
        Assert.False(victim.HasExited);
    }

    [Fact]
    public async Task Ctrl_C_on_a_worker_hands_its_trial_back_at_once()
    {
        var reference = sweep.Reference;
        var (coordinator, outFolder, victim, victimNode) = StartCluster("graceful");

        await StartSecondWorkerWhenVictimRuns(coordinator, outFolder, victimNode);
        var stoppedAt = Stopwatch.StartNew();
        victim.Signal("INT");
        await Await.Until(
            () => coordinator.Output.Any(l => l.Contains("was lost") && l.Contains(victimNode)),
            "the coordinator noticing"
        );
        var handedBack = stoppedAt.Elapsed;
        output.WriteLine($"Ctrl+C: trial handed back {handedBack.TotalSeconds:F1} s after SIGINT");

        Assert.Equal(0, await victim.WaitAsync(Bound)); // a worker stopped with Ctrl+C exits cleanly
        Assert.Equal(0, await coordinator.WaitAsync(Bound));
        SweepFiles.AssertEveryTrialOnceCompleted(outFolder, 6);
        Assert.Equal(reference, SweepFiles.Table(outFolder));
        Assert.True(
            handedBack < TimeSpan.FromSeconds(5),
            $"graceful leave took {handedBack.TotalSeconds:F1} s; failure detection would take over 10"
        );
    }

    [Theory]
    [InlineData("INT")] // Ctrl+C: stops dispatching, exits cleanly and says how to resume (SIGKILL: ProcessResumeTests)
    [InlineData("TERM")] // what a batch scheduler sends before it kills: the same
    public async Task A_stopped_coordinator_resumes_without_rerunning_completed_trials(string signal)
    {
        var reference = sweep.Reference;
        var (coordinator, outFolder, _, victimNode) = StartCluster("resumed");
        await StartSecondWorkerWhenVictimRuns(coordinator, outFolder, victimNode);
        var port = coordinator.Process.StartInfo.ArgumentList[
            coordinator.Process.StartInfo.ArgumentList.IndexOf("--port") + 1
        ];

        await Await.Until(() => Completed(outFolder).Count >= 2, "two trials recorded");
        coordinator.Signal(signal);
        var code = await coordinator.WaitAsync(Bound);
        Assert.Equal(1, code); // not complete
        Assert.Contains(coordinator.Output, l => l.Contains($"continue with a3 sweep --resume {outFolder}"));
        Assert.Contains("class=\"state-interrupted\"", File.ReadAllText(Path.Combine(outFolder, "report.html"))); // and the page stops reloading
        Assert.DoesNotContain("http-equiv=\"refresh\"", File.ReadAllText(Path.Combine(outFolder, "report.html")));
        var before = Completed(outFolder);

        var resumed = processes.Start("sweep", "--resume", outFolder, "--slots", "0", "--port", port);
        Assert.Equal(0, await resumed.WaitAsync(Bound));

        SweepFiles.AssertEveryTrialOnceCompleted(outFolder, 6);
        Assert.Equal(reference, SweepFiles.Table(outFolder));
        var after = Completed(outFolder);
        foreach (var (trial, row) in before)
            Assert.Equal(row, after[trial]); // same seconds, node, attempts: not re-run
        output.WriteLine($"{before.Count} of 6 trials were recorded before the kill and kept");
    }

    [Fact]
    public async Task Resuming_a_folder_without_a_sweep_store_says_so_and_changes_nothing()
    {
        var folder = Path.Combine(work, "not-a-sweep");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.conf"), File.ReadAllText(config));
        File.WriteAllText(Path.Combine(folder, "sweep.db"), "not a database");

        var run = processes.Start("sweep", "--resume", folder);

        Assert.Equal(2, await run.WaitAsync(Bound));
        Assert.Contains(run.Output, l => l.Contains("not a readable a3 sweep store"));
        Assert.Equal("not a database", File.ReadAllText(Path.Combine(folder, "sweep.db")));
    }

    [Fact]
    public async Task A_worker_whose_seed_cannot_be_reached_retries_visibly_and_gives_up_after_its_timeout()
    {
        var nobody = LoopbackFileServer.FreePort();

        var worker = processes.Start("worker", "--seed", $"127.0.0.1:{nobody}", "--join-timeout", "20");

        Assert.Equal(2, await worker.WaitAsync(Bound));
        Assert.Contains(worker.Output, l => l.Contains("Still trying to reach the seed"));
        Assert.Contains(worker.Output, l =>
            l.Contains($"could not reach the seed node 127.0.0.1:{nobody} within 20 s")
        );
    }

    [Fact]
    public async Task Over_TLS_a_worker_process_with_another_certificate_is_refused_while_the_right_one_completes_the_sweep()
    {
        var reference = sweep.Reference;
        var cluster = Path.Combine(work, "cluster.pfx");
        var other = Path.Combine(work, "other.pfx");
        Assert.Equal(0, await processes.Start("cert", "--out", cluster, "--password", "pw").WaitAsync(Bound));
        Assert.Equal(0, await processes.Start("cert", "--out", other, "--password", "pw").WaitAsync(Bound));
        var port = LoopbackFileServer.FreePort();
        var outFolder = Path.Combine(work, "tls");
        var coordinator = processes.Start(
            "sweep",
            config,
            "--out",
            outFolder,
            "--slots",
            "0",
            "--port",
            port.ToString(),
            "--cert",
            cluster,
            "--cert-password",
            "pw"
        );

        var intruder = processes.Start(
            "worker",
            "--seed",
            $"127.0.0.1:{port}",
            "--cert",
            other,
            "--cert-password",
            "pw",
            "--join-timeout",
            "20"
        );
        Assert.Equal(2, await intruder.WaitAsync(Bound)); // never admitted
        Assert.False(
            File.Exists(Path.Combine(outFolder, "trials.csv"))
                && File.ReadAllText(Path.Combine(outFolder, "trials.csv")).Contains(",running,")
        );

        processes.Start("worker", "--seed", $"127.0.0.1:{port}", "--cert", cluster, "--cert-password", "pw");
        Assert.Equal(0, await coordinator.WaitAsync(Bound));
        SweepFiles.AssertEveryTrialOnceCompleted(outFolder, 6);
        Assert.Equal(reference, SweepFiles.Table(outFolder));
    }

    /// <summary>Completed rows of trials.csv by trial id, whole (seconds, node, attempts: a re-run would change them).</summary>
    private static Dictionary<int, string> Completed(string outFolder) =>
        SweepFiles
            .Trials(outFolder)
            .Where(r => r.Status == "completed")
            .ToDictionary(r => r.Trial, r => string.Join(",", r.Cells.Values));

    private (A3Process Coordinator, string Out, A3Process Victim, string VictimNode) StartCluster(
        string name,
        IReadOnlyDictionary<string, string?>? coordinatorEnvironment = null
    )
    {
        var port = LoopbackFileServer.FreePort();
        var outFolder = Path.Combine(work, name);
        var coordinator = processes.StartWith(
            coordinatorEnvironment ?? new Dictionary<string, string?>(),
            "sweep",
            config,
            "--out",
            outFolder,
            "--slots",
            "0",
            "--port",
            port.ToString()
        );
        var victimPort = LoopbackFileServer.FreePort();
        var victim = processes.Start(
            "worker",
            "--seed",
            $"127.0.0.1:{port}",
            "--slots",
            "1",
            "--port",
            victimPort.ToString()
        );
        return (coordinator, outFolder, victim, $"127.0.0.1:{victimPort}");
    }

    /// <summary>The second worker node, started once the victim has a trial (so the victim surely gets one).</summary>
    private async Task StartSecondWorkerWhenVictimRuns(A3Process coordinator, string outFolder, string victimNode)
    {
        await Await.Until(() => RunningOn(outFolder, victimNode), "a trial running on the victim");
        var port = coordinator.Process.StartInfo.ArgumentList[
            coordinator.Process.StartInfo.ArgumentList.IndexOf("--port") + 1
        ];
        processes.Start("worker", "--seed", $"127.0.0.1:{port}", "--slots", "1");
    }

    private static bool RunningOn(string outFolder, string node) =>
        SweepFiles.Trials(outFolder).Any(r => r.Status == "running" && r.Node == node);

    public void Dispose()
    {
        processes.Dispose();
        Directory.Delete(work, recursive: true);
    }
}
