using System.ComponentModel;
using System.Security.Cryptography.X509Certificates;
using System.Globalization;
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
    [CommandOption("--slots <N>"), Description("Trials this node trains at once, one per core (default: the number of cores).")]
    public int? Slots { get; init; }

    [CommandOption("--host <HOST>"), Description("Address this node binds and other nodes reach it at."), DefaultValue("127.0.0.1")]
    public string Host { get; init; } = "127.0.0.1";

    [CommandOption("--port <PORT>"), Description("Port of this node (0: any free port).")]
    public int? Port { get; init; }


    [CommandOption("--cert <PFX>"), Description("Cluster certificate (from a3 cert): traffic runs over mutual TLS and only nodes holding this certificate take part.")]
    public string? Cert { get; init; }

    [CommandOption("--cert-password <PASSWORD>"), Description("Password of --cert (else the environment variable A3_CERT_PASSWORD).")]
    public string? CertPassword { get; init; }

    public int SlotCount => Slots ?? Environment.ProcessorCount;

    public X509Certificate2? Certificate => Cert is null ? null
        : ClusterCertificate.Load(Cert, CertPassword ?? Environment.GetEnvironmentVariable("A3_CERT_PASSWORD") ?? "");

    public override ValidationResult Validate() =>
        Slots is < 0 ? ValidationResult.Error($"--slots must be 0 or more, got {Slots}")
        : Port is < 0 or > 65535 ? ValidationResult.Error($"--port must be 0 to 65535, got {Port}")
        : string.IsNullOrWhiteSpace(Host) ? ValidationResult.Error("--host must not be empty")
        : ValidationResult.Success();

    /// <summary>The node's data, its fingerprint, and a trial runner on one GEMM thread per trial.</summary>
    public async Task<(DataSplits Data, string Fingerprint, ITrialRunner Runner)> PrepareAsync(IAnsiConsole console, DataOptions options, CancellationToken cancellation)
    {
        var data = await DataLoading.LoadAsync(console, Data, options, cancellation);
        var fingerprint = DataFingerprint.Of(data);
        // Each slot trains one trial on one core: BLAS stays single-threaded so N slots use N cores.
        GemmBackends.UseThreads(1);
        var gemm = GemmBackends.Select();
        console.MarkupLine($"Data fingerprint [blue]{fingerprint}[/]; GEMM backend: [blue]{Markup.Escape(gemm.Name)}[/]");
        return (data, fingerprint, new CifarTrialRunner(data, gemm));
    }
}

public sealed class SweepSettings : NodeSettings
{
    [CommandArgument(0, "[CONFIG]"), Description("Sweep config (HOCON), e.g. configs/lambda-coarse.conf.")]
    public string? Config { get; init; }

    [CommandOption("-o|--out <DIR>"), Description("Output folder (default: runs/<name>-<time>). Must be new or empty.")]
    public string? Out { get; init; }

    [CommandOption("--resume <DIR>"), Description("Continue the interrupted sweep whose output folder this is (it holds the config and the store).")]
    public string? Resume { get; init; }

    public override ValidationResult Validate() =>
        (Config is null) == (Resume is null) ? ValidationResult.Error("give a sweep config, or --resume with the output folder of an interrupted sweep (not both)")
        : Resume is not null && Out is not null ? ValidationResult.Error("--out does not go with --resume: the sweep continues in its own folder")
        : base.Validate();
}

public sealed partial class SweepCommand : AsyncCommand<SweepSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, SweepSettings settings, CancellationToken cancellation)
    {
        var console = AnsiConsole.Console;
        var (sweep, outFolder, store, resume) = settings.Resume is { } folder ? OpenInterrupted(folder) : StartNew(settings);
        using var _ = store;
        var (_, fingerprint, runner) = await settings.PrepareAsync(console, sweep.Experiment.Data, cancellation);

        var monitor = new SweepMonitor();
        await using var node = SweepHost.StartCoordinator(sweep, outFolder, monitor, fingerprint, runner, settings.SlotCount, settings.Host, settings.Port ?? 0,
            journal: new StoreJournal(store), resume: resume, certificate: settings.Certificate);
        console.MarkupLine($"Coordinator node [blue]{node.NodeName}[/] with {settings.SlotCount} local slot(s); " +
                           $"more workers: [blue]a3 worker --seed {node.NodeName}[/]; output: [blue]{Markup.Escape(outFolder)}[/]" +
                           (resume is null ? "" : resume.Completed
                               ? "; this sweep had already completed: rewriting its tables"
                               : $"; resuming with {resume.Recorded.Count} trials already recorded"));
        var completion = node.Completion(cancellation);
        try
        {
            await LiveView.RunAsync(console, monitor, completion);
            await completion;
        }
        catch (OperationCanceledException)
        {
            // Every state change is already in the store: the sweep can go on from here.
            // One plain line (not wrapped by the terminal): it is a command to copy.
            Console.Error.WriteLine($"a3: interrupted with {monitor.Current.Completed + monitor.Current.Failed + monitor.Current.Diverged} trials recorded; " +
                                    $"continue with a3 sweep --resume {outFolder}");
            return Errors.Failed;
        }

        foreach (var stage in sweep.StageNames)
        {
            var table = Path.Combine(outFolder, $"table-{stage}.md");
            if (File.Exists(table)) console.WriteLine(File.ReadAllText(table));
        }
        console.MarkupLine($"Sweep complete: {monitor.Current.Completed} completed, {monitor.Current.Diverged} diverged, {monitor.Current.Failed} failed; results in [blue]{Markup.Escape(outFolder)}[/]");
        return 0;
    }
}

public sealed partial class SweepCommand
{
    private static (SweepConfig Sweep, string Out, SweepStore Store, ResumeState? Resume) StartNew(SweepSettings settings)
    {
        var sweep = SweepConfig.Load(settings.Config!);
        var outFolder = OutputFolder.Create(settings.Out, sweep.Experiment.Name);
        AtomicFile.Write(Path.Combine(outFolder, "config.conf"), sweep.Text);
        return (sweep, outFolder, SweepStore.Create(outFolder, sweep.Text), null);
    }

    /// <summary>The interrupted sweep in <paramref name="folder"/>: its config and store, checked before anything is written.</summary>
    private static (SweepConfig Sweep, string Out, SweepStore Store, ResumeState? Resume) OpenInterrupted(string folder)
    {
        var outFolder = Path.GetFullPath(folder);
        var configPath = Path.Combine(outFolder, "config.conf");
        if (!File.Exists(configPath))
            throw new StoreException($"{configPath}: missing; --resume takes the output folder of an earlier a3 sweep");
        var text = File.ReadAllText(configPath);
        var sweep = SweepConfig.Parse(text, configPath);
        var store = SweepStore.OpenForResume(outFolder, text);
        try
        {
            return (sweep, outFolder, store, ResumeState.From(store.Load(), store.Path));
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }
}

public sealed class WorkerSettings : NodeSettings
{
    [CommandOption("--seed <HOST:PORT>"), Description("The coordinator's node, as a3 sweep prints it.")]
    public string Seed { get; init; } = "";

    [CommandOption("--split <SPLIT>"), Description("The sweep's data split: all or batch1 (its config's data section)."), DefaultValue("all")]
    public string Split { get; init; } = "all";

    [CommandOption("--validation-size <N>"), Description("The sweep's validation size (its config's data section)."), DefaultValue(5000)]
    public int ValidationSize { get; init; } = 5000;

    [CommandOption("--join-timeout <SECONDS>"), Description("Give up when the seed cannot be reached for this long (0: keep trying)."), DefaultValue(300)]
    public int JoinTimeout { get; init; } = 300;

    public DataOptions DataOptions => new(Split == "batch1" ? SplitKind.Batch1 : SplitKind.All, ValidationSize);

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Seed)) return ValidationResult.Error("--seed HOST:PORT is required: the coordinator node a3 sweep prints");
        if (Split is not ("all" or "batch1")) return ValidationResult.Error($"--split must be all or batch1, got '{Split}'");
        if (ValidationSize < 1) return ValidationResult.Error($"--validation-size must be at least 1, got {ValidationSize}");
        if (JoinTimeout < 0) return ValidationResult.Error($"--join-timeout must be 0 or more seconds, got {JoinTimeout}");
        try { SweepHost.ParseEndpoint(Seed, "--seed"); }
        catch (ArgumentException e) { return ValidationResult.Error(e.Message); }
        return base.Validate();
    }
}

public sealed class WorkerCommand : AsyncCommand<WorkerSettings>
{
    /// <summary>Waits until the node is up in the coordinator's cluster, saying so every 15 s; false after the timeout (0: none).</summary>
    private static async Task<bool> JoinAsync(IAnsiConsole console, SweepHost node, string seed, int timeoutSeconds, CancellationToken cancellation)
    {
        var joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Akka.Cluster.Cluster.Get(node.System).RegisterOnMemberUp(() => joined.TrySetResult());
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!joined.Task.IsCompleted)
        {
            if (timeoutSeconds > 0 && clock.Elapsed.TotalSeconds >= timeoutSeconds) return false;
            var wait = TimeSpan.FromSeconds(timeoutSeconds > 0 ? Math.Min(15, timeoutSeconds - clock.Elapsed.TotalSeconds) : 15);
            await Task.WhenAny(joined.Task, Task.Delay(wait, cancellation));
            cancellation.ThrowIfCancellationRequested();
            if (!joined.Task.IsCompleted) console.MarkupLine($"[yellow]Still trying to reach the seed {Markup.Escape(seed)}[/] ({clock.Elapsed.TotalSeconds:F0} s)");
        }
        console.MarkupLine("Joined the coordinator's cluster.");
        return true;
    }

    public override async Task<int> ExecuteAsync(CommandContext context, WorkerSettings settings, CancellationToken cancellation)
    {
        var console = AnsiConsole.Console;
        // The coordinator refuses a worker whose data (split included) differs from the sweep's.
        var (_, fingerprint, runner) = await settings.PrepareAsync(console, settings.DataOptions, cancellation);
        // A node joins one cluster only: when a sweep's coordinator leaves (or this node is removed),
        // a fresh node joins the seed again and waits there for the next sweep.
        var certificate = settings.Certificate;
        var first = true;
        while (!cancellation.IsCancellationRequested)
        {
            await using var node = SweepHost.StartWorker(settings.Seed, runner, settings.SlotCount, fingerprint, settings.Host, settings.Port ?? 0, certificate: certificate);
            console.MarkupLine($"Worker node [blue]{node.NodeName}[/] with {settings.SlotCount} slot(s), joining [blue]{Markup.Escape(settings.Seed)}[/]; Ctrl+C stops it.");
            try
            {
                // The first join has a deadline (a wrong --seed should not wait forever); later ones wait for the next sweep.
                if (!await JoinAsync(console, node, settings.Seed, first ? settings.JoinTimeout : 0, cancellation))
                {
                    Console.Error.WriteLine($"a3: could not reach the seed node {settings.Seed} within {settings.JoinTimeout} s: is a3 sweep running there with --host/--port, and does the address (and --cert) match?");
                    return Errors.BadInput;
                }
                first = false;
                await node.Detached.WaitAsync(cancellation);
                console.MarkupLine("The coordinator's node left; joining the seed again for the next sweep.");
            }
            catch (OperationCanceledException)
            {
                console.MarkupLine("Leaving the cluster.");
            }
        }
        return 0;
    }
}
