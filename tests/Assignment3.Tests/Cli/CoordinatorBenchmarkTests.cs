using Assignment3.Tests.Data;
using Xunit.Abstractions;

namespace Assignment3.Tests.Cli;

/// <summary>
/// a3 bench --coordinator runs its worker nodes in a process of its own (a3 bench-worker), which must never
/// outlive it: the benchmark closes the worker process's stdin to stop it, and when the benchmark is killed
/// the pipe closes by itself.
/// </summary>
[Collection(nameof(Sweeps.ProcessCollection))]
public sealed class CoordinatorBenchmarkTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);
    private readonly FakeCifar data = new();

    [Fact]
    public async Task A_killed_coordinator_benchmark_leaves_no_worker_process_behind()
    {
        using var processes = new A3Processes(data.Root, output);
        var bench = processes.Start([
            "bench",
            "--coordinator",
            "--churn",
            "--trials",
            "10000000",
            "--nodes",
            "2",
            "--node-slots",
            "1",
        ]);
        await Await.Until(
            () => bench.Output.Any(l => l.Contains("worker nodes replaced")) || bench.HasExited,
            "the benchmark to replace a worker node",
            Bound
        );
        var workers = ChildrenRunning(bench.Process.Id, "bench-worker");
        try
        {
            Assert.Single(workers);
            bench.Signal("KILL");
            await Await.Until(() => !IsRunning(workers[0]), "the worker process to end with its benchmark", Bound);
        }
        finally
        {
            foreach (var pid in workers.Where(IsRunning))
                System.Diagnostics.Process.GetProcessById(pid).Kill();
        }
    }

    /// <summary>Processes whose parent is <paramref name="parent"/> and whose command line contains <paramref name="text"/>.</summary>
    private static int[] ChildrenRunning(int parent, string text) =>
        Directory
            .GetDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : -1)
            .Where(pid => pid > 0 && Stat(pid) is { } stat && stat.Parent == parent && IsRunning(pid))
            .Where(pid => Read($"/proc/{pid}/cmdline")?.Contains(text) == true)
            .ToArray();

    /// <summary>Alive and not a zombie waiting to be reaped.</summary>
    private static bool IsRunning(int pid) => Stat(pid) is { State: not 'Z' and not 'X' };

    private static (char State, int Parent)? Stat(int pid)
    {
        // /proc/PID/stat: "pid (command) state ppid ...": the command may hold spaces and parentheses.
        if (Read($"/proc/{pid}/stat") is not { } stat)
            return null;
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (fields[0][0], int.Parse(fields[1]));
    }

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // the process has gone meanwhile
        }
    }

    public void Dispose() => data.Dispose();
}
