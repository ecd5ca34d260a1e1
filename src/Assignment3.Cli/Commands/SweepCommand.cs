using System.ComponentModel;
using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Assignment3.Cli.Terminal;
using Assignment3.Core.Data;
using Assignment3.Core.Numerics;
using Assignment3.Experiments.Sweeps;
using Assignment3.Storage;
using Assignment3.Sweeps.Hosting;
using Assignment3.Sweeps.Trials;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Assignment3.Cli.Commands;

public class NodeSettings : DataSettings
{
    [
        CommandOption("--slots <N>"),
        TypeConverter(typeof(WholeNumberConverter)),
        Description("Trials this node trains at once, one per core (default: the number of cores).")
    ]
    public int? Slots { get; init; }

    [
        CommandOption("--host <HOST>"),
        Description("Address this node binds and other nodes reach it at."),
        DefaultValue("127.0.0.1")
    ]
    public string Host { get; init; } = "127.0.0.1";

    [
        CommandOption("--port <PORT>"),
        TypeConverter(typeof(WholeNumberConverter)),
        Description("Port of this node (0: any free port).")
    ]
    public int? Port { get; init; }

    [
        CommandOption("--progress <MODE>"),
        TypeConverter(typeof(ProgressModeConverter)),
        Description("auto (a live view on a terminal, plain lines otherwise), live, plain or none."),
        DefaultValue(ProgressMode.Auto)
    ]
    public ProgressMode Progress { get; init; } = ProgressMode.Auto;

    [
        CommandOption("--cert <PFX>"),
        Description(
            "Cluster certificate (from a3 cert): traffic runs over mutual TLS and only nodes holding this certificate take part."
        )
    ]
    public string? Cert { get; init; }

    [
        CommandOption("--cert-password <PASSWORD>"),
        Description("Password of --cert (else the environment variable A3_CERT_PASSWORD).")
    ]
    public string? CertPassword { get; init; }

    public int SlotCount => Slots ?? Environment.ProcessorCount;

    public X509Certificate2? Certificate =>
        Cert is null
            ? null
            : ClusterCertificate.Load(
                Cert,
                CertPassword ?? Environment.GetEnvironmentVariable("A3_CERT_PASSWORD") ?? ""
            );

    /// <summary>More slots than this on one node only queue threads behind each other (each slot trains on one core).</summary>
    public static int MaxSlots => 4 * Environment.ProcessorCount;

    public override ValidationResult Validate() =>
        Slots is < 0 ? ValidationResult.Error($"--slots must be 0 or more, got {Slots}")
        : Slots > MaxSlots
            ? ValidationResult.Error(
                $"--slots {Slots} is too many for this machine: each slot trains on one core, and it has {Environment.ProcessorCount}; at most {MaxSlots}"
            )
        : Port is < 0 or > 65535 ? ValidationResult.Error($"--port must be 0 to 65535, got {Port}")
        : string.IsNullOrWhiteSpace(Host) ? ValidationResult.Error("--host must not be empty")
        : ValidationResult.Success();

    /// <summary>
    /// Where this node's trials get their data: CIFAR-10 from --data (or A3_DATA, or the default
    /// folder), loaded when a sweep names its split, trained on one GEMM thread per slot.
    /// </summary>
    public CifarRunnerSource RunnerSource(IAnsiConsole console)
    {
        // Each slot trains one trial on one core: BLAS stays single-threaded so N slots use N cores.
        GemmBackends.UseThreads(1);
        var gemm = GemmBackends.Select();
        console.MarkupLineInterpolated($"GEMM backend: [blue]{gemm.Name}[/]");
        return new CifarRunnerSource(
            (options, cancellation) => DataLoading.LoadAsync(console, Data, options, cancellation, interactive: false),
            gemm,
            GroupSizeCache.Default,
            SweepSettings.Current().GroupCapacity
        );
    }
}

public sealed class SweepCommandSettings : NodeSettings
{
    [CommandArgument(0, "[CONFIG]"), Description("Sweep config (HOCON), e.g. configs/lambda-coarse.conf.")]
    public string? Config { get; init; }

    [CommandOption("-o|--out <DIR>"), Description("Output folder (default: runs/<name>-<time>). Must be new or empty.")]
    public string? Out { get; init; }

    [
        CommandOption("--resume <DIR>"),
        Description("Continue the interrupted sweep whose output folder this is (it holds the config and the store).")
    ]
    public string? Resume { get; init; }

    public override ValidationResult Validate() =>
        Resume is { } resume && string.IsNullOrWhiteSpace(resume)
            ? ValidationResult.Error("--resume: empty path; give the output folder of an earlier a3 sweep")
        : (Config is null) == (Resume is null)
            ? ValidationResult.Error(
                "give a sweep config, or --resume with the output folder of an interrupted sweep (not both)"
            )
        : Resume is not null && Out is not null
            ? ValidationResult.Error("--out does not go with --resume: the sweep continues in its own folder")
        : base.Validate();
}

public sealed class SweepCommand : AsyncCommand<SweepCommandSettings>
{
    public override async Task<int> ExecuteAsync(
        CommandContext context,
        SweepCommandSettings settings,
        CancellationToken cancellation
    )
    {
        var console = Consoles.ForHumans(false, settings.Progress);
        var progress = Terminal.Progress.Resolve(settings.Progress, console);
        var (sweep, outFolder, store, history) = settings.Resume is { } folder
            ? SweepFolders.Resume(console, folder)
            : SweepFolders.Start(console, settings.Config!, settings.Out);
        using var _ = store;
        var source = settings.RunnerSource(console);
        var prepared = await source.PrepareAsync(sweep.Experiment.Data, measureCapacity: false, cancellation); // the fingerprint
        console.MarkupLineInterpolated($"Data fingerprint [blue]{prepared.Fingerprint}[/]");

        var monitor = new SweepMonitor(keepNews: progress == ProgressMode.Plain);
        await using var node = SweepHost.StartCoordinator(
            sweep,
            outFolder,
            monitor,
            prepared.Fingerprint,
            source,
            settings.SlotCount,
            settings.Host,
            settings.Port ?? 0,
            journal: new StoreJournal(store),
            history: history,
            certificate: settings.Certificate
        );
        var replayed = SweepState.Replay(sweep, history);
        var resuming =
            history.Count == 0 ? ""
            : replayed.Completed ? "; this sweep had already completed: rewriting its outputs"
            : $"; resuming with {replayed.Recorded} trials already recorded";
        var (slots, join) = ($"with {settings.SlotCount} local slot(s)", $"a3 worker --seed {node.NodeName}");
        console.MarkupLineInterpolated(
            $"Coordinator node [blue]{node.NodeName}[/] {slots}; more workers: [blue]{join}[/]; output: [blue]{outFolder}[/]{resuming}"
        );
        var completion = node.Completion(cancellation);
        try
        {
            await (
                progress switch
                {
                    ProgressMode.Live => LiveView.RunAsync(
                        console,
                        monitor,
                        completion,
                        SweepSettings.Create(node.System)
                    ),
                    ProgressMode.Plain => PlainProgress.RunAsync(
                        console,
                        monitor,
                        completion,
                        SweepSettings.Create(node.System)
                    ),
                    _ => completion.ContinueWith(_ => { }),
                }
            );
            await completion;
        }
        catch (Exception e)
            when (e is OperationCanceledException or CoordinatorRemovedException or SweepStoppedException)
        {
            // Every state change is already in the store: the sweep can go on from here.
            // One plain line (not wrapped by the terminal): it is a command to copy.
            var why = e is OperationCanceledException ? "interrupted" : e.Message;
            // The page stops reloading and says the sweep is interrupted (after a kill, a3 report does this);
            // the node stops first, so its aggregator writes nothing after it.
            await node.DisposeAsync();
            try
            {
                ReportCommand.Rebuild(console, outFolder);
            }
            catch (Exception failed) when (failed is IOException or UnauthorizedAccessException or StoreException)
            {
                Console.Error.WriteLine(
                    $"a3: report.html was not updated ({failed.Message}); a3 report {outFolder} rebuilds it"
                );
            }
            Console.Error.WriteLine(
                $"a3: {why}; {monitor.Current.Recorded} trials recorded; continue with a3 sweep --resume {outFolder}"
            );
            return Errors.Failed;
        }

        foreach (var stage in sweep.StageNames)
        {
            // A search stage's values are all different: its proposals in order say more than a pivot.
            var search = Path.Combine(outFolder, $"search-{stage}.md");
            var table = File.Exists(search) ? search : Path.Combine(outFolder, $"table-{stage}.md");
            if (File.Exists(table))
                console.WriteLine(File.ReadAllText(table));
        }
        var current = monitor.Current;
        var counts =
            $"{current.Completed} completed, {current.Stopped} stopped early, {current.Diverged} diverged, {current.Failed} failed";
        console.MarkupLineInterpolated($"Sweep complete: {counts}; results in [blue]{outFolder}[/]");
        return 0;
    }
}

public sealed class WorkerSettings : NodeSettings
{
    [CommandOption("--seed <HOST:PORT>"), Description("The coordinator's node, as a3 sweep prints it.")]
    public string Seed { get; init; } = "";

    [
        CommandOption("--join-timeout <SECONDS>"),
        TypeConverter(typeof(WholeNumberConverter)),
        Description("Give up when the seed cannot be reached for this long (0: keep trying)."),
        DefaultValue(300)
    ]
    public int JoinTimeout { get; init; } = 300;

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Seed))
            return ValidationResult.Error("--seed HOST:PORT is required: the coordinator node a3 sweep prints");
        if (JoinTimeout < 0)
            return ValidationResult.Error($"--join-timeout must be 0 or more seconds, got {JoinTimeout}");
        return ValidateSeed(Seed) is { Successful: false } bad ? bad : base.Validate();
    }

    /// <summary>--seed as HOST:PORT, or an error that says what is wrong with it.</summary>
    public static ValidationResult ValidateSeed(string seed)
    {
        try
        {
            SweepHost.ParseEndpoint(seed, "--seed");
            return ValidationResult.Success();
        }
        catch (ArgumentException e)
        {
            return ValidationResult.Error(e.Message);
        }
    }
}

public sealed class WorkerCommand : AsyncCommand<WorkerSettings>
{
    /// <summary>
    /// Waits until the node is in the coordinator's cluster, saying so every a3.sweep.unreachable-notice-interval; false once
    /// <paramref name="deadline"/> passes (null: none). Returns early, true, when the node is
    /// detached before it joined (it starts afresh, with the same deadline).
    /// </summary>
    private static async Task<bool> JoinAsync(
        IAnsiConsole console,
        SweepHost node,
        string seed,
        Stopwatch clock,
        TimeSpan? deadline,
        CancellationToken cancellation
    )
    {
        while (!node.Joined.IsCompleted && !node.Detached.IsCompleted)
        {
            if (clock.Elapsed >= deadline)
                return false;
            var every = SweepSettings.Create(node.System).UnreachableNoticeInterval;
            var wait = deadline is { } d && d - clock.Elapsed < every ? d - clock.Elapsed : every;
            await Task.WhenAny(node.Joined, node.Detached, Task.Delay(wait, cancellation));
            cancellation.ThrowIfCancellationRequested();
            if (!node.Joined.IsCompleted && !node.Detached.IsCompleted)
                console.MarkupLineInterpolated(
                    $"[yellow]Still trying to reach the seed {seed}[/] ({clock.Elapsed.TotalSeconds:F0} s)"
                );
        }
        if (node.Joined.IsCompleted)
            console.MarkupLine("Joined the coordinator's cluster.");
        return true;
    }

    public override async Task<int> ExecuteAsync(
        CommandContext context,
        WorkerSettings settings,
        CancellationToken cancellation
    )
    {
        var console = Consoles.ForHumans(false, settings.Progress);
        // A worker has no live view: its slots' trials as plain lines, unless asked for none.
        var clock = Stopwatch.StartNew();
        Action<string>? activity =
            settings.Progress == ProgressMode.None ? null : line => Terminal.Progress.Line(console, clock, line);
        // The data is loaded when a sweep's coordinator says which split it trains on, and kept for the next sweep.
        var source = settings.RunnerSource(console);
        // A node joins one cluster only: when a sweep's coordinator leaves (or this node is removed),
        // a fresh node joins the seed again and waits there for the next sweep.
        var certificate = settings.Certificate;
        // Until the first join, a wrong --seed should not wait forever; later the node waits for the next sweep.
        var joinedOnce = false;
        while (!cancellation.IsCancellationRequested)
        {
            await using var node = SweepHost.StartWorker(
                settings.Seed,
                source,
                settings.SlotCount,
                settings.Host,
                settings.Port ?? 0,
                certificate: certificate,
                onActivity: activity
            );
            console.MarkupLineInterpolated(
                $"Worker node [blue]{node.NodeName}[/] with {settings.SlotCount} slot(s), joining [blue]{settings.Seed}[/]; Ctrl+C stops it."
            );
            try
            {
                var deadline =
                    joinedOnce || settings.JoinTimeout == 0
                        ? (TimeSpan?)null
                        : TimeSpan.FromSeconds(settings.JoinTimeout);
                if (!await JoinAsync(console, node, settings.Seed, clock, deadline, cancellation))
                {
                    Console.Error.WriteLine(
                        $"a3: could not reach the seed node {settings.Seed} within {settings.JoinTimeout} "
                            + $"s: is a3 sweep running there with --host/--port, and does the address (and --cert) match?"
                    );
                    return Errors.BadInput;
                }
                joinedOnce |= node.Joined.IsCompleted;
                if (await Task.WhenAny(node.Detached, node.Refused).WaitAsync(cancellation) == node.Refused)
                {
                    Console.Error.WriteLine(
                        $"a3: the sweep's coordinator cannot use this worker: {await node.Refused}"
                    );
                    return Errors.BadInput;
                }
                console.MarkupLine(
                    "The coordinator's node is gone (it left, or could not be reached); joining the seed again for the next sweep."
                );
            }
            catch (OperationCanceledException)
            {
                console.MarkupLine("Leaving the cluster.");
            }
        }
        return 0;
    }
}
