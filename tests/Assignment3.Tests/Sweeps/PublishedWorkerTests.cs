using System.Diagnostics;
using System.Runtime.Versioning;
using Assignment3.Tests.Data;
using Xunit.Abstractions;

namespace Assignment3.Tests.Sweeps;

/// <summary>
/// A worker is one file: scripts/publish.sh's self-contained a3, run from an empty folder with no
/// dotnet on its PATH and none of the test's environment, joins a coordinator and trains a smoke
/// sweep's trials
/// to the same numbers as the a3 built here.
/// </summary>
[Collection(nameof(ProcessCollection))]
public sealed class PublishedWorkerTests(ITestOutputHelper output) : SweepProcessTest("a3-published-")
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(5);

    [Fact]
    [SupportedOSPlatform("linux")] // it publishes and runs a linux-x64 file
    public async Task The_published_file_alone_joins_a_coordinator_and_trains_a_sweep()
    {
        var dist = Path.Combine(work, "dist");
        var info = new ProcessStartInfo(Path.Combine(RepoPaths.Root, "scripts", "publish.sh"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--out", dist, "linux-x64" })
            info.ArgumentList.Add(arg);
        using (var publish = new A3Process(Process.Start(info)!, "publish.sh"))
            Assert.True(await publish.WaitAsync(Bound) == 0, string.Join("\n", publish.Output));
        var file = Path.Combine(dist, "linux-x64", "a3");
        Assert.True(File.Exists(file), $"{file}: not published");
        output.WriteLine($"{file}: {new FileInfo(file).Length / 1e6:0} MB");

        // The worker's machine: the file copied into an empty folder, a home, and a PATH with nothing on it.
        var machine = Directory.CreateDirectory(Path.Combine(work, "worker-machine")).FullName;
        var a3 = Path.Combine(machine, "a3");
        File.Copy(file, a3);
        File.SetUnixFileMode(a3, File.GetUnixFileMode(file));
        var empty = Directory.CreateDirectory(Path.Combine(work, "empty-bin")).FullName;
        var home = Directory.CreateDirectory(Path.Combine(work, "home")).FullName;

        using var processes = new A3Processes(data.Root, output);
        var port = LoopbackFileServer.FreePort();
        var folder = Path.Combine(work, "sweep");
        var coordinator = processes.Start(
            "sweep",
            RepoPaths.Config("smoke.conf"),
            "--out",
            folder,
            "--slots",
            "0",
            "--host",
            "127.0.0.1",
            "--port",
            $"{port}"
        );
        var worker = processes.StartPublished(
            a3,
            machine,
            new Dictionary<string, string> { ["PATH"] = empty, ["HOME"] = home },
            "worker",
            "--seed",
            $"127.0.0.1:{port}",
            "--host",
            "127.0.0.1",
            "--slots",
            "2"
        );

        Assert.Equal(0, await coordinator.WaitAsync(Bound));
        var trials = SweepFiles.Trials(folder);
        Assert.Equal(9, trials.Count);
        Assert.All(trials, t => Assert.Equal("completed", t.Status));
        Assert.False(worker.HasExited); // it waits for the next sweep
        Assert.Single(trials.Select(t => t.Node).Distinct()); // the coordinator has no slots: the published worker trained them all
        Assert.Equal([a3], Directory.GetFileSystemEntries(machine)); // nothing written beside it

        // The same numbers as the a3 built here, trial by trial.
        var reference = Path.Combine(work, "reference");
        Assert.Equal(
            0,
            await processes
                .Start("sweep", RepoPaths.Config("smoke.conf"), "--out", reference, "--slots", "2")
                .WaitAsync(Bound)
        );
        Assert.Equal(
            SweepFiles.Trials(reference).Select(t => (t.Trial, t["validationAccuracy"])).Order(),
            trials.Select(t => (t.Trial, t["validationAccuracy"])).Order()
        );
    }
}
