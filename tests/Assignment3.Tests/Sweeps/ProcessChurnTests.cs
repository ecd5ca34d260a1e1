using System.Diagnostics;
using Assignment3.Tests.Data;
using Xunit.Abstractions;

namespace Assignment3.Tests.Sweeps;

/// <summary>
/// A coordinator process while worker processes join, freeze (SIGSTOP: unreachable, connections
/// open) and are killed (SIGKILL) every couple of seconds: the cluster is never stable for long.
/// The coordinator's node must stay up, hand no trial to a node it cannot reach, and finish the
/// sweep with every trial recorded once and the table of an undisturbed run.
/// </summary>
[Collection(nameof(ProcessCollection))]
public sealed class ProcessChurnTests(ITestOutputHelper output) : SweepProcessTest("a3-churn-")
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Workers_frozen_and_killed_every_few_seconds_never_take_the_coordinator_down()
    {
        using var processes = new A3Processes(data.Root, output);
        var config = Path.Combine(work, "churn.conf");
        // 24 trials of about a second each, with a recording point every few hundred milliseconds.
        File.WriteAllText(
            config,
            """
            name = churn
            data { split = batch1, validation-size = 500 }
            network { hidden = [10], batch-norm = [false, true] }
            training { lambda = { log-grid = [1e-5, 1e-1], count = 12 }, batch-size = 20, eta-min = 1e-4,
              eta-max = 1e-2, step-size = 5000, cycles = 1, points-per-cycle = 10, train-eval-subset = 500 }
            sweep { seed = 5, trial-timeout = 120, table { rows = lambda, columns = batch-norm } }
            """
        );
        var reference = Path.Combine(work, "undisturbed");
        Assert.Equal(0, await processes.Start("sweep", config, "--out", reference, "--slots", "2").WaitAsync(Bound));

        var port = LoopbackFileServer.FreePort();
        var outFolder = Path.Combine(work, "churned");
        var coordinator = processes.Start(
            "sweep",
            config,
            "--out",
            outFolder,
            "--slots",
            "0",
            "--port",
            port.ToString()
        );
        var active = new Queue<A3Process>();
        var frozen = new Queue<(A3Process Process, Stopwatch Since)>();
        var (stopped, killed) = (0, 0);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30) && !coordinator.HasExited)
        {
            active.Enqueue(processes.Start("worker", "--seed", $"127.0.0.1:{port}", "--slots", "1"));
            if (active.Count > 2)
            {
                var victim = active.Dequeue();
                victim.Signal("STOP");
                frozen.Enqueue((victim, Stopwatch.StartNew()));
                stopped++;
            }
            while (frozen.Count > 0 && frozen.Peek().Since.Elapsed > TimeSpan.FromSeconds(6))
            {
                frozen.Dequeue().Process.Signal("KILL");
                killed++;
            }
            await Task.WhenAny(coordinator.Process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(2)));
        }
        output.WriteLine(
            $"{stopped} workers frozen, {killed} killed in {clock.Elapsed.TotalSeconds:F0} s; "
                + $"{SweepFiles.Trials(outFolder).Count(r => r.Status == "completed")} of 24 trials recorded by then"
        );

        // The two youngest stay and finish the sweep.
        Assert.Equal(0, await coordinator.WaitAsync(Bound));
        Assert.True(stopped >= 8, "the churn did not happen");
        Assert.DoesNotContain(coordinator.Output, l =>
            l.Contains("removed from its own cluster") || l.Contains("down all")
        );
        SweepFiles.AssertEveryTrialOnceCompleted(outFolder, 24);
        Assert.Equal(SweepFiles.Table(reference), SweepFiles.Table(outFolder));
        output.WriteLine(
            string.Join("\n", coordinator.Output.Where(l => l.Contains("warning") || l.Contains("error")))
        );
    }
}
