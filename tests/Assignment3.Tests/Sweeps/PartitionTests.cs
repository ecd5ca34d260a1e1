using Xunit.Abstractions;

namespace Assignment3.Tests.Sweeps;

/// <summary>
/// A coordinator and two workers, each a process on a host of its own (network namespaces): one
/// worker's link is cut mid-trial for longer than failure detection and then restored. The sweep
/// completes with every trial once and the undisturbed table, and the cut-off worker rejoins and
/// trains again.
/// </summary>
[Collection(nameof(ProcessCollection))]
public sealed class PartitionTests(ITestOutputHelper output) : SweepProcessTest("a3-partition-")
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);

    [RootFact]
    public async Task A_worker_cut_off_mid_trial_for_longer_than_detection_rejoins_and_the_sweep_completes_unchanged()
    {
        using var processes = new A3Processes(data.Root, output);
        var config = Path.Combine(work, "partition.conf");
        File.WriteAllText(
            config,
            """
            name = partition
            data { split = batch1, validation-size = 500 }
            network { hidden = [10], batch-norm = [false, true] }
            training { lambda = { log-grid = [1e-4, 1e-2], count = 8 }, batch-size = 20, eta-min = 1e-4,
              eta-max = 1e-2, step-size = 20000, cycles = 1, points-per-cycle = 20, train-eval-subset = 500 }
            sweep { seed = 5, trial-timeout = 120, table { rows = lambda, columns = batch-norm } }
            """
        );
        var reference = Path.Combine(work, "undisturbed");
        Assert.Equal(0, await processes.Start("sweep", config, "--out", reference, "--slots", "2").WaitAsync(Bound));

        using var net = new NetworkNamespaces("coordinator", "cut", "steady");
        var (c, cut, steady) = (net.Hosts["coordinator"], net.Hosts["cut"], net.Hosts["steady"]);
        var seed = $"{c.Address}:4053";
        var cutNode = $"{cut.Address}:4054";
        var outFolder = Path.Combine(work, "partitioned");
        var coordinator = processes.StartIn(
            c.Namespace,
            "sweep",
            config,
            "--out",
            outFolder,
            "--slots",
            "0",
            "--host",
            c.Address,
            "--port",
            "4053"
        );
        var victim = processes.StartIn(
            cut.Namespace,
            "worker",
            "--seed",
            seed,
            "--host",
            cut.Address,
            "--port",
            "4054",
            "--slots",
            "1"
        );
        await Await.Until(
            () => SweepFiles.Trials(outFolder).Any(r => r.Status == "running" && r.Node == cutNode),
            "a trial running on the worker to cut off"
        );
        var steadyWorker = processes.StartIn(
            steady.Namespace,
            "worker",
            "--seed",
            seed,
            "--host",
            steady.Address,
            "--slots",
            "1"
        );

        try
        {
            await CutAndRestore();
        }
        finally
        {
            output.WriteLine(
                "cut-off worker's output:\n" + string.Join("\n", victim.Output.Where(l => !l.Contains('━')))
            );
        }
        Assert.Equal(0, await coordinator.WaitAsync(Bound));
        SweepFiles.AssertEveryTrialOnceCompleted(outFolder, 16);
        Assert.Equal(SweepFiles.Table(reference), SweepFiles.Table(outFolder));

        async Task CutAndRestore()
        {
            net.Cut("cut");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await Await.Until(
                () => coordinator.Output.Any(l => l.Contains($"Downing node akka.tcp://a3@{cutNode}")),
                "the coordinator downing the cut-off worker"
            );
            output.WriteLine($"cut-off worker downed {clock.Elapsed.TotalSeconds:F1} s after the cut");
            Assert.Contains(coordinator.Output, l =>
                l.Contains($"Trial") && l.Contains($"its worker on {cutNode} was lost (unreachable)")
            );
            // From here on only the cut-off worker can finish the sweep: it must rejoin and train.
            steadyWorker.Signal("KILL");
            net.Restore("cut");
            var recordedByVictim = SweepFiles
                .Trials(outFolder)
                .Count(r => r.Status == "completed" && r.Node == cutNode);

            await Await.Until(
                () => victim.Output.Any(l => l.Contains("joining the seed again")),
                "the cut-off worker rejoining"
            );
            await Await.Until(
                () =>
                    SweepFiles.Trials(outFolder).Count(r => r.Node == cutNode && r.Status == "completed")
                    > recordedByVictim,
                "the rejoined worker training again"
            );
        }
    }
}
