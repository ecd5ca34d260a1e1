using System.ComponentModel;
using System.Diagnostics;
using Assignment3.Cli.Terminal;
using Assignment3.Core.Benchmarks;
using Assignment3.Core.Data;
using Assignment3.Core.Numerics;
using Assignment3.Core.Training;
using Assignment3.Storage;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Assignment3.Cli.Commands;

public sealed class BenchSettings : DataSettings
{
    [CommandOption("--threads <N>"), TypeConverter(typeof(WholeNumberConverter)), Description("GEMM threads (the targets are for one)."), DefaultValue(1)]
    public int Threads { get; init; } = 1;

    [CommandOption("--steps <N>"), TypeConverter(typeof(WholeNumberConverter)), Description("Timed update steps per network."), DefaultValue(1000)]
    public int Steps { get; init; } = 1000;

    [CommandOption("--no-full-run"), Description("Skip the full recipe runs (2 cycles, n_s 2,250, 20 recording points).")]
    public bool NoFullRun { get; init; }


    [CommandOption("--json"), Description("Print the results as a JSON array on stdout.")]
    public bool Json { get; init; }

    [CommandOption("--coordinator"), Description("Instead: trials per second one coordinator dispatches, journals and records for worker nodes over loopback, with a trainer that returns at once.")]
    public bool Coordinator { get; init; }

    [CommandOption("--trials <N>"), TypeConverter(typeof(WholeNumberConverter)), Description("Trials of the --coordinator measurement."), DefaultValue(20000)]
    public int Trials { get; init; } = 20000;

    [CommandOption("--nodes <N>"), TypeConverter(typeof(WholeNumberConverter)), Description("Worker nodes of the --coordinator measurement (actor systems in this process)."), DefaultValue(32)]
    public int Nodes { get; init; } = 32;

    [CommandOption("--node-slots <N>"), TypeConverter(typeof(WholeNumberConverter)), Description("Slots per worker node of the --coordinator measurement."), DefaultValue(8)]
    public int NodeSlots { get; init; } = 8;

    [CommandOption("--churn"), Description("With --coordinator: a worker node leaves and a new one joins every 2 s; checks every trial is recorded once.")]
    public bool Churn { get; init; }

    public override ValidationResult Validate() =>
        Threads < 1 ? ValidationResult.Error($"--threads must be at least 1, got {Threads}")
        : Steps < 10 ? ValidationResult.Error($"--steps must be at least 10, got {Steps}")
        : Trials < 2 ? ValidationResult.Error($"--trials must be at least 2, got {Trials}")
        : Nodes is < 1 or > 128 ? ValidationResult.Error($"--nodes must be 1 to 128, got {Nodes}")
        : NodeSlots is < 1 or > 64 ? ValidationResult.Error($"--node-slots must be 1 to 64, got {NodeSlots}")
        : ValidationResult.Success();
}

public sealed record BenchRow(string Network, bool BatchNorm, double StepMillisMedian, double Gflops, double GemmLimitGflops,
    double FractionOfLimit, double? FullRunSeconds, double? EvaluationFraction, double? TestAccuracy, double PeakWorkingSetMB, string Backend);

/// <summary>Update-step speed against the machine's GEMM limit for the report's recipe networks.</summary>
public sealed class BenchCommand : AsyncCommand<BenchSettings>
{
    private static readonly (string Name, int[] Hidden)[] Networks =
        [("3-layer [50, 50]", [50, 50]), ("9-layer [50, 30, 20, 20, 10, 10, 10, 10]", [50, 30, 20, 20, 10, 10, 10, 10])];

    public override async Task<int> ExecuteAsync(CommandContext context, BenchSettings settings, CancellationToken cancellation)
    {
        var console = Consoles.ForHumans(settings.Json);
        if (settings.Coordinator)
        {
            var result = await CoordinatorBenchmark.RunAsync(settings.Trials, settings.Nodes, settings.NodeSlots, settings.Churn, line => console.WriteLine(line), cancellation);
            console.MarkupLineInterpolated($"Coordinator: {result.Trials} trials dispatched, journaled and recorded for {result.WorkerNodes} worker nodes ({result.SlotsPerNode} slots each) over loopback in {result.Seconds:F2} s: [bold]{result.TrialsPerSecond:F0} trials/s[/]");
            console.MarkupLineInterpolated($"Managed heap grew {result.HeapGrowthMB:F1} MB over the sweep; peak working set of the process (coordinator and all worker nodes) {result.PeakWorkingSetMB:F0} MB");
            if (settings.Churn)
                console.MarkupLineInterpolated($"Churn: {result.NodesReplaced} worker nodes replaced; every trial recorded exactly once: {(result.EveryTrialOnce ? "yes" : "NO")}");
            if (settings.Json) Console.Out.WriteLine(Json.Serialize(result));
            return result.EveryTrialOnce ? 0 : Errors.Failed;
        }
        var data = await DataLoading.LoadAsync(console, settings.Data, new DataOptions(), cancellation);
        GemmBackends.UseThreads(settings.Threads);
        var gemm = GemmBackends.Select();
        console.MarkupLine($"Backend: [blue]{Markup.Escape(gemm.Name)}[/]");

        var rows = new List<BenchRow>();
        foreach (var (name, hidden) in Networks)
        foreach (var batchNorm in new[] { true, false })
        {
            cancellation.ThrowIfCancellationRequested();
            var recipe = new TrainingConfig { Hidden = hidden, BatchNorm = batchNorm };
            var spec = recipe.NetworkSpec(data.Train.Dimensions, Cifar10Format.Classes);
            var stepMillis = StepBenchmark.MedianStepMillis(spec, data.Train, recipe.BatchSize, gemm, settings.Steps);
            var limit = StepBenchmark.GemmLimitGflops(spec, recipe.BatchSize, gemm, settings.Steps);
            var gflops = StepBenchmark.FlopsPerStep(spec, recipe.BatchSize) / (stepMillis * 1e6);
            TrainingResult? run = settings.NoFullRun ? null : Trainer.Train(recipe, data, gemm, cancellation: cancellation);
            var peak = PeakWorkingSetMB();
            var row = new BenchRow(name, batchNorm, Math.Round(stepMillis, 4), Math.Round(gflops, 2), Math.Round(limit, 2), Math.Round(gflops / limit, 3),
                run is null ? null : Math.Round(run.Seconds, 2), run is null ? null : Math.Round(run.EvaluationSeconds / run.Seconds, 3),
                run?.TestAccuracy, Math.Round(peak, 1), gemm.Name);
            rows.Add(row);
            console.MarkupLine(Markup.Escape($"{name} {(batchNorm ? "with" : "without")} BN: step {row.StepMillisMedian:F3} ms, {row.Gflops:F1} of {row.GemmLimitGflops:F1} GFLOP/s ({row.FractionOfLimit:P0})" +
                (run is null ? "" : $", full run {row.FullRunSeconds:F2} s (evaluation {row.EvaluationFraction:P1}), test accuracy {run.TestAccuracy:F4}")));
        }

        var table = new Table().AddColumns("Network", "BN", "Step (ms, median)", "GFLOP/s", "GEMM limit", "Of limit", "Full run (s)", "Eval share", "Test acc", "Peak WS (MB)");
        foreach (var r in rows)
            table.AddRow(Markup.Escape(r.Network), r.BatchNorm ? "yes" : "no", $"{r.StepMillisMedian:F3}", $"{r.Gflops:F1}", $"{r.GemmLimitGflops:F1}", $"{r.FractionOfLimit:P0}",
                r.FullRunSeconds?.ToString("F2") ?? "-", r.EvaluationFraction?.ToString("P1") ?? "-", r.TestAccuracy?.ToString("F4") ?? "-", $"{r.PeakWorkingSetMB:F0}");
        console.Write(table);
        if (settings.Json) Console.Out.WriteLine(Json.Serialize(rows));
        return 0;
    }

    private static double PeakWorkingSetMB()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.PeakWorkingSet64 / (1024.0 * 1024.0);
    }
}
