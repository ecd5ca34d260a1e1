using System.ComponentModel;
using System.Globalization;
using Assignment3.Cli.Terminal;
using Assignment3.Sweeps.Hosting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Assignment3.Cli.Commands;

public sealed class BenchWorkerSettings : CommandSettings
{
    [CommandOption("--seed <HOST:PORT>"), Description("The benchmark's coordinator node.")]
    public string Seed { get; init; } = "";

    [CommandOption("--nodes <N>"), TypeConverter(typeof(WholeNumberConverter)), DefaultValue(1)]
    public int Nodes { get; init; } = 1;

    [CommandOption("--node-slots <N>"), TypeConverter(typeof(WholeNumberConverter)), DefaultValue(1)]
    public int NodeSlots { get; init; } = 1;

    [CommandOption("--trial-ms <MS>"), TypeConverter(typeof(WholeNumberConverter)), DefaultValue(0)]
    public int TrialMilliseconds { get; init; }

    public override ValidationResult Validate()
    {
        if (Nodes < 1 || NodeSlots < 1)
            return ValidationResult.Error($"--nodes and --node-slots must be 1 or more, got {Nodes} and {NodeSlots}");
        if (TrialMilliseconds < 0)
            return ValidationResult.Error($"--trial-ms must be 0 or more, got {TrialMilliseconds}");
        return WorkerSettings.ValidateSeed(Seed);
    }
}

/// <summary>
/// The worker nodes of <c>a3 bench --coordinator</c>, in a process of their own: a node its churn stops stays in
/// its process's memory (Akka.Remote's thread-local caches of actor refs and DotNetty's event loops keep its
/// actor system reachable), which is then this process's, not the coordinator's. Their trainer returns at once
/// (or after --trial-ms). Says <see cref="JoinedLine"/> on stdout once every node is in the cluster; reads
/// commands from stdin: <c>replace N</c> makes node N leave while a new node joins in its place; the end of
/// stdin makes every node leave (the pipe closes by itself however the benchmark ends).
/// </summary>
public sealed class BenchWorkerCommand : AsyncCommand<BenchWorkerSettings>
{
    public const string JoinedLine = "joined";
    public const string Replace = "replace";

    public override async Task<int> ExecuteAsync(
        CommandContext context,
        BenchWorkerSettings settings,
        CancellationToken cancellation
    )
    {
        var source = CoordinatorBenchmark.WorkerSource(TimeSpan.FromMilliseconds(settings.TrialMilliseconds));
        SweepHost Start() => SweepHost.StartWorker(settings.Seed, source, settings.NodeSlots);
        var nodes = Enumerable.Range(0, settings.Nodes).Select(_ => Start()).ToArray();
        var leavings = new List<Task>();
        try
        {
            await Task.WhenAll(nodes.Select(n => n.Joined)).WaitAsync(cancellation);
            Console.Out.WriteLine(JoinedLine);
            Console.Out.Flush();
            while (await ReadLineAsync().WaitAsync(cancellation) is { } line)
            {
                var words = line.Split(' ');
                if (
                    words is not [Replace, var which]
                    || !int.TryParse(which, CultureInfo.InvariantCulture, out var i)
                    || i < 0
                    || i >= nodes.Length
                )
                    throw new InvalidDataException(
                        $"a3 bench-worker: not a command on stdin: '{line}' (replace N, N from 0 to {nodes.Length - 1})"
                    );
                leavings.Add(nodes[i].DisposeAsync().AsTask()); // leaves while the next one joins
                nodes[i] = Start();
            }
        }
        catch (OperationCanceledException) { }
        finally
        {
            await Task.WhenAll(leavings.Concat(nodes.Select(n => n.DisposeAsync().AsTask())));
        }
        return 0;
    }

    /// <summary>
    /// The next line of stdin, read on a thread of its own: Console.In reads synchronously, and a pool thread
    /// blocked on it for good leaves the pool's threads (two on two cores) short for the nodes' actors.
    /// </summary>
    private static Task<string?> ReadLineAsync() =>
        Task.Factory.StartNew(
            Console.In.ReadLine,
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default
        );
}
