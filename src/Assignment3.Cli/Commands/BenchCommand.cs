using System.ComponentModel;
using System.Diagnostics;
using Assignment3.Cli.Terminal;
using Assignment3.Core.Benchmarks;
using Assignment3.Core.Data;
using Assignment3.Core.Network;
using Assignment3.Core.Numerics;
using Assignment3.Core.Training;
using Assignment3.Experiments.Scheduling;
using Assignment3.Experiments.Search;
using Assignment3.Storage;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Assignment3.Cli.Commands;

public sealed class BenchSettings : DataSettings
{
    [
        CommandOption("--steps <N>"),
        TypeConverter(typeof(WholeNumberConverter)),
        Description("Timed update steps per network and backend."),
        DefaultValue(1000)
    ]
    public int Steps { get; init; } = 1000;

    [
        CommandOption("--no-full-run"),
        Description("Skip the full recipe runs (2 cycles, n_s 2,250, 20 recording points).")
    ]
    public bool NoFullRun { get; init; }

    [
        CommandOption("--no-groups"),
        Description(
            "Skip the groups: runs trained together, 1 to 8 at a time, and their stacked first layers' products."
        )
    ]
    public bool NoGroups { get; init; }

    [
        CommandOption("--core <N>"),
        TypeConverter(typeof(WholeNumberConverter)),
        Description(
            "Pin the kernel measurements to this core (default: the first this process may run on); cores of a shared machine can differ."
        )
    ]
    public int? Core { get; init; }

    [CommandOption("--json"), Description("Print the results as JSON on stdout.")]
    public bool Json { get; init; }

    [
        CommandOption("--coordinator"),
        Description(
            "Instead: trials per second one coordinator dispatches, journals and records for worker nodes over loopback, with a trainer that returns at once."
        )
    ]
    public bool Coordinator { get; init; }

    [
        CommandOption("--trials <N>"),
        TypeConverter(typeof(WholeNumberConverter)),
        Description("Trials of the --coordinator measurement."),
        DefaultValue(20000)
    ]
    public int Trials { get; init; } = 20000;

    [
        CommandOption("--nodes <N>"),
        TypeConverter(typeof(WholeNumberConverter)),
        Description(
            "Worker nodes of the --coordinator measurement (actor systems in one process of their own); "
                + "many in that one process measure its cluster traffic more than the coordinator."
        ),
        DefaultValue(8)
    ]
    public int Nodes { get; init; } = 8;

    [
        CommandOption("--node-slots <N>"),
        TypeConverter(typeof(WholeNumberConverter)),
        Description("Slots per worker node of the --coordinator measurement."),
        DefaultValue(32)
    ]
    public int NodeSlots { get; init; } = 32;

    [
        CommandOption("--schedule <POLICY>"),
        Description(
            "With --coordinator: the sweep's early-stopping policy with its default settings (successive-halving, "
                + "hyperband, median, threshold; default grid: none); the trials then have 9 cycles."
        ),
        DefaultValue("grid")
    ]
    public string Schedule { get; init; } = "grid";

    [
        CommandOption("--churn"),
        Description(
            "With --coordinator: a worker node leaves and a new one joins every 2 s; checks every trial is recorded once."
        )
    ]
    public bool Churn { get; init; }

    [
        CommandOption("--duration <SECONDS>"),
        TypeConverter(typeof(WholeNumberConverter)),
        Description(
            "With --coordinator: a soak instead of a fixed number of trials: every slot kept busy for this long; "
                + "reports memory at the start and the end of the second half."
        )
    ]
    public int? Duration { get; init; }

    [
        CommandOption("--trial-ms <MS>"),
        TypeConverter(typeof(WholeNumberConverter)),
        Description("With --coordinator: each trial pretends to train this long (default 0: returns at once)."),
        DefaultValue(0)
    ]
    public int TrialMilliseconds { get; init; }

    [
        CommandOption("--search"),
        Description(
            "Instead: the search methods' median simple regret on synthetic objectives "
                + "(Branin, Hartmann-6, noisy Branin) over --seeds sweep seeds, and how busy a search keeps 2 and 8 slots; "
                + "then Hartmann-6 over 200 evaluations, one round proposed from 1,000 results per method (one and "
                + "three objectives), and the hypervolume each method reaches on ZDT1 and DTLZ2 (two and three "
                + "objectives) and on DTLZ2 under two constraints (C2-DTLZ2, and half the space), with its infeasible share."
        )
    ]
    public bool Search { get; init; }

    [
        CommandOption("--seeds <N>"),
        TypeConverter(typeof(WholeNumberConverter)),
        Description("Sweep seeds of the --search measurement."),
        DefaultValue(10)
    ]
    public int Seeds { get; init; } = 10;

    [
        CommandOption("--batch <N>"),
        TypeConverter(typeof(WholeNumberConverter)),
        Description("Trials per round of the --search measurement."),
        DefaultValue(4)
    ]
    public int Batch { get; init; } = 4;

    [
        CommandOption("--lag <N>"),
        TypeConverter(typeof(WholeNumberConverter)),
        Description("Rounds proposed ahead of their results in the --search measurement."),
        DefaultValue(1)
    ]
    public int Lag { get; init; } = 1;

    public override ValidationResult Validate() =>
        Steps < 10 ? ValidationResult.Error($"--steps must be at least 10, got {Steps}")
        : Trials < 2 ? ValidationResult.Error($"--trials must be at least 2, got {Trials}")
        : Nodes is < 1 or > 128 ? ValidationResult.Error($"--nodes must be 1 to 128, got {Nodes}")
        : NodeSlots is < 1 or > 64 ? ValidationResult.Error($"--node-slots must be 1 to 64, got {NodeSlots}")
        : Duration is < 10 or > 86400
            ? ValidationResult.Error($"--duration must be 10 to 86400 seconds, got {Duration}")
        : Duration is not null && !Coordinator ? ValidationResult.Error("--duration needs --coordinator")
        : Schedule != GridSchedule.Instance.Name && !Coordinator
            ? ValidationResult.Error("--schedule needs --coordinator")
        : Schedules.All.All(k => k.Name != Schedule)
            ? ValidationResult.Error(
                $"--schedule must be one of {string.Join(", ", Schedules.All.Select(k => k.Name))}, got {Schedule}"
            )
        : TrialMilliseconds is < 0 or > 3_600_000
            ? ValidationResult.Error($"--trial-ms must be 0 to 3600000, got {TrialMilliseconds}")
        : ValidationResult.Success();
}

/// <summary>
/// One GEMM shape of the recipe networks: our kernels' rate with the tiling this core chose for it
/// and OpenBLAS's (when installed), against the core's peak.
/// </summary>
public sealed record GemmBenchRow(
    string Shape,
    string Networks,
    string Tiling,
    string Tiles,
    double OursGflops,
    double OursOfPeak,
    double? OpenBlasGflops,
    double? Speedup
);

/// <summary>One recipe network: the update step on each backend, the full recipe run, evaluation's share, test accuracy.</summary>
public sealed record StepBenchRow(
    string Network,
    bool BatchNorm,
    double StepMillis,
    double StepGflops,
    double StepOfPeak,
    double? OpenBlasStepMillis,
    double? FullRunSeconds,
    double? EvaluationShare,
    double? TestAccuracy
);

/// <summary>
/// One recipe network trained in a group of <paramref name="GroupSize"/>: a run's share of the group's
/// step, against the peak and against training alone.
/// </summary>
public sealed record FusedBenchRow(
    string Network,
    bool BatchNorm,
    int GroupSize,
    double PerTrialStepMillis,
    double OfPeak,
    double SpeedupOverAlone
);

/// <summary>
/// The stacked first layers of a group of <paramref name="GroupSize"/> runs of 50 units: the forward
/// product and the gradient stepped into the weights.
/// </summary>
public sealed record FusedProductRow(
    int GroupSize,
    int Rows,
    double ForwardGflops,
    double ForwardOfPeak,
    double SteppedGflops,
    double SteppedOfPeak
);

public sealed record BenchReport(
    string Cpu,
    int Core,
    string Isa,
    string PeakWidth,
    double PeakGflops,
    IReadOnlyDictionary<string, double> PeaksByWidth,
    string OpenBlas,
    IReadOnlyList<GemmBenchRow> Gemms,
    IReadOnlyList<StepBenchRow> Steps,
    double NineToThreeLayerBnStep,
    double PeakWorkingSetMB,
    IReadOnlyList<FusedBenchRow> Fused,
    IReadOnlyList<FusedProductRow> FusedProducts,
    int? AutoGroupSize
);

/// <summary>
/// The update step and its GEMMs on our kernels (and on OpenBLAS when it is installed), each rate
/// against the core's measured peak, with the full recipe runs, evaluation's share and peak memory.
/// </summary>
public sealed class BenchCommand : AsyncCommand<BenchSettings>
{
    private static readonly (string Name, int[] Hidden)[] Networks =
    [
        ("3-layer [50, 50]", [50, 50]),
        ("9-layer [50, 30, 20, 20, 10, 10, 10, 10]", [50, 30, 20, 20, 10, 10, 10, 10]),
    ];

    public override async Task<int> ExecuteAsync(
        CommandContext context,
        BenchSettings settings,
        CancellationToken cancellation
    )
    {
        using var json = JsonStdout.Claim(settings.Json);
        var console = Consoles.ForHumans(settings.Json);
        if (settings.Search)
        {
            var rows = SearchBenchmark.Run(settings.Seeds, 40, 10, settings.Batch, settings.Lag, line =>
                console.WriteLine(line)
            );
            var utilization = new List<UtilizationRow>();
            foreach (var (slots, lag) in new[] { (2, 0), (2, 1), (8, 0), (8, 1) })
            {
                var row = await SearchUtilization.RunAsync("gp", slots, settings.Batch, lag, cancellation);
                console.WriteLine(
                    $"gp, {slots} slots, batch {row.Batch}, lag {lag}: slots busy {row.Utilization:P0} of {row.Seconds} s "
                        + $"({row.ProposeSeconds} s waiting for proposals after the first round)"
                );
                utilization.Add(row);
            }
            // A long search and a round from many results (the GP past its exact limit: a fit on a subset, a growing posterior).
            var longRows = SearchBenchmark.Run(
                settings.Seeds,
                200,
                10,
                8,
                1,
                line => console.WriteLine($"{line}   (rounds of 8)"),
                [SyntheticObjective.Hartmann6],
                [GaussianProcessSearch.Instance, RandomSearch.Instance]
            );
            var atScale = SearchMethods
                .All.Select(method => SearchBenchmark.RoundAtScale(method, 1000, 8, settings.Seeds))
                .Concat(
                    SearchMethods.All.Select(method =>
                        SearchBenchmark.RoundAtScale(method, 1000, 8, settings.Seeds, SyntheticFront.Dtlz2)
                    )
                )
                .Select(row =>
                {
                    console.WriteLine(
                        $"{row.Method, -7} {row.Objectives} objective(s): one round of {row.Count} from {row.Observations} results "
                            + $"({row.Dimensions} dimensions, {row.Count} still running): {row.Seconds:F2} s (median of {row.Rounds})"
                    );
                    return row;
                })
                .ToArray();
            var fronts = SearchBenchmark.Fronts(settings.Seeds, 60, 10, 4, settings.Lag, line =>
                console.WriteLine(line)
            );
            json?.Write(
                new
                {
                    regret = rows,
                    longRegret = longRows,
                    roundAtScale = atScale,
                    fronts,
                    utilization,
                }
            );
            return 0;
        }
        if (settings.Coordinator)
        {
            var result = await CoordinatorBenchmark.RunAsync(
                settings.Trials,
                settings.Nodes,
                settings.NodeSlots,
                settings.Schedule,
                settings.Churn,
                settings.Duration is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
                TimeSpan.FromMilliseconds(settings.TrialMilliseconds),
                line => console.WriteLine(line),
                cancellation
            );
            var dispatched =
                $"{result.Trials} trials dispatched, journaled and recorded for {result.WorkerNodes} worker nodes "
                + $"({result.SlotsPerNode} slots each)"
                + (result.Schedule == GridSchedule.Instance.Name ? "" : $" under {result.Schedule}");
            console.MarkupLineInterpolated(
                $"Coordinator: {dispatched} over loopback in {result.Seconds:F2} s: [bold]{result.TrialsPerSecond:F0} trials/s[/]"
            );
            foreach (var stretch in result.Stretches)
                console.WriteLine(
                    $"  {stretch.FromSeconds, 7:F1} s to {stretch.ToSeconds, 7:F1} s: {stretch.Trials, 7} trials, "
                        + $"{stretch.TrialsPerSecond, 6:F0} trials/s; processor time per trial: coordinator "
                        + $"{stretch.CoordinatorCpuMsPerTrial, 6:F3} ms, worker nodes {stretch.WorkersCpuMsPerTrial, 6:F3} ms"
                );
            console.WriteLine(
                $"Longest gap between two recorded trials: {result.LongestGapSeconds:F3} s "
                    + $"(ended {result.LongestGapEndedAtSeconds:F1} s into the run)"
            );
            console.WriteLine(
                $"Memory per recorded trial (after minus before, full collections): resident "
                    + $"{result.WorkingSetPerTrialKB:F2} KB, managed heap {result.HeapPerTrialKB:F2} KB; "
                    + $"before: {CoordinatorBenchmark.Describe(result.MemoryBefore)}; "
                    + $"after: {CoordinatorBenchmark.Describe(result.MemoryAfter)}; peak working set of the "
                    + $"coordinator's process {result.PeakWorkingSetMB:F0} MB"
            );
            if (result.SecondHalf is [var start, .., var end])
                console.WriteLine(
                    $"Soak, second half: resident {start.WorkingSetMB:F0} MB at its start, {end.WorkingSetMB:F0} MB "
                        + $"at its end ({(end.WorkingSetMB / start.WorkingSetMB - 1) * 100:+0.0;-0.0} %); "
                        + $"managed heap {start.HeapMB:F0} MB, {end.HeapMB:F0} MB"
                );
            if (settings.Churn)
                console.MarkupLineInterpolated(
                    $"Churn: {result.NodesReplaced} worker nodes replaced; every trial recorded exactly once: {(result.EveryTrialOnce ? "yes" : "NO")}"
                );
            json?.Write(result);
            return result.EveryTrialOnce ? 0 : Errors.Failed;
        }
        var data = await DataLoading.LoadAsync(console, settings.Data, new DataOptions(), cancellation);
        var core = PinToCore(settings.Core);
        var ours = new SimdGemm(SimdGemm.Best());
        var openBlas = GemmBackends.OpenBlasIfInstalled;
        if (openBlas is not null)
            openBlas.Threads = 1;
        var peaks = Enum.GetValues<SimdIsa>()
            .Where(i => i != SimdIsa.Scalar && SimdGemm.IsSupported(i))
            .Select(StepBenchmark.FmaPeak)
            .ToDictionary(p => p.Width, p => Math.Round(p.Gflops, 1));
        var (peak, width) = StepBenchmark.FmaPeak(ours.Isa);
        console.MarkupLineInterpolated(
            $"CPU: [bold]{CpuModel.Name()}[/], measured on {(core < 0 ? "any core" : $"core {core}")}"
        );
        console.MarkupLineInterpolated(
            $"FMA peak per width (one thread, float32): {string.Join(", ", peaks.Select(p => $"{p.Key} {p.Value:F1}"))} GFLOP/s"
        );
        if (peaks.TryGetValue("512-bit", out var peak512) && peaks.TryGetValue("256-bit", out var peak256))
            console.MarkupLineInterpolated($"Vector units: {CpuModel.FmaUnits(peak512, peak256)}");
        console.MarkupLineInterpolated(
            $"Figures below are against the {width} peak of the kernels' width: [bold]{peak:F1} GFLOP/s[/]"
        );
        console.MarkupLineInterpolated(
            $"Ours: [blue]{ours.Name}[/]; OpenBLAS: [blue]{openBlas?.Name ?? "not installed"}[/]"
        );

        var specs = Networks
            .SelectMany(n =>
                new[] { true, false }.Select(bn =>
                    (
                        n.Name,
                        BatchNorm: bn,
                        Spec: new TrainingConfig { Hidden = n.Hidden, BatchNorm = bn }.NetworkSpec(
                            data.Train.Dimensions,
                            Cifar10Format.Classes
                        )
                    )
                )
            )
            .ToArray();
        var shapes = specs
            .SelectMany(s =>
                StepBenchmark.GemmsOfStep(s.Spec, 100).Select(g => (Shape: g with { Role = "" }, Network: s.Name))
            )
            .GroupBy(g => g.Shape)
            .Select(g => (g.Key, Networks: string.Join(", ", g.Select(x => x.Network.Split(' ')[0]).Distinct())))
            .ToArray();
        var gemms = new List<GemmBenchRow>();
        foreach (var (shape, networks) in shapes)
        {
            cancellation.ThrowIfCancellationRequested();
            var rate = StepBenchmark.GemmGflops(shape, ours);
            var tiling = ours.TilingFor<float>(shape.TransposeA, shape.TransposeB, shape.M, shape.N, shape.K);
            var blas = openBlas is null ? (double?)null : StepBenchmark.GemmGflops(shape, openBlas);
            gemms.Add(
                new GemmBenchRow(
                    Describe(shape),
                    networks,
                    GemmTilings.Name(tiling),
                    SimdGemm.DescribeTiles<float>(ours.Isa, tiling, shape.M),
                    Math.Round(rate, 1),
                    Math.Round(rate / peak, 3),
                    blas is null ? null : Math.Round(blas.Value, 1),
                    blas is null ? null : Math.Round(rate / blas.Value, 2)
                )
            );
        }
        var gemmTable = new Table().AddColumns(
            "GEMM (m x n x k)",
            "Networks",
            "Tiling (rows of C)",
            "Ours GFLOP/s",
            "Of peak",
            "OpenBLAS GFLOP/s",
            "Ours / OpenBLAS"
        );
        foreach (var g in gemms)
            gemmTable.AddRow(
                Markup.Escape(g.Shape),
                g.Networks,
                Markup.Escape($"{g.Tiling}: {g.Tiles}"),
                $"{g.OursGflops:F1}",
                $"{g.OursOfPeak:P0}",
                g.OpenBlasGflops?.ToString("F1") ?? "-",
                g.Speedup?.ToString("F2") ?? "-"
            );
        console.Write(gemmTable);

        // The training code has not run yet in this process: the first figure would carry the JIT's work.
        var (_, firstBatchNorm, firstSpec) = specs[0];
        var first = new TrainingConfig { Hidden = firstSpec.Hidden.ToArray(), BatchNorm = firstBatchNorm };
        StepBenchmark.MedianGroupStepMillis(first, data, ours, 2, steps: 10, StepBenchmark.JitSeconds);
        var steps = new List<StepBenchRow>();
        foreach (var (name, batchNorm, spec) in specs)
        {
            cancellation.ThrowIfCancellationRequested();
            var config = new TrainingConfig { Hidden = spec.Hidden.ToArray(), BatchNorm = batchNorm };
            var stepMillis = StepBenchmark.MedianGroupStepMillis(config, data, ours, 1, settings.Steps);
            var blasMillis = openBlas is null
                ? (double?)null
                : StepBenchmark.MedianGroupStepMillis(config, data, openBlas, 1, settings.Steps);
            var gflops = StepBenchmark.FlopsPerStep(spec, 100) / (stepMillis * 1e6);
            var run = settings.NoFullRun ? null : Trainer.Train(config, data, ours, cancellation: cancellation);
            var row = new StepBenchRow(
                name,
                batchNorm,
                Math.Round(stepMillis, 4),
                Math.Round(gflops, 1),
                Math.Round(gflops / peak, 3),
                blasMillis is null ? null : Math.Round(blasMillis.Value, 4),
                run is null ? null : Math.Round(run.Seconds, 2),
                run is null ? null : Math.Round(run.EvaluationSeconds / run.Seconds, 3),
                run?.TestAccuracy
            );
            steps.Add(row);
            var blasText = row.OpenBlasStepMillis is { } b ? $", OpenBLAS {b:F3} ms" : "";
            var runText = run is null
                ? ""
                : $"; full run {row.FullRunSeconds:F2} s, evaluation {row.EvaluationShare:P1}, test accuracy {run.TestAccuracy:F4}";
            var step = $"step {row.StepMillis:F3} ms ({row.StepGflops:F1} GFLOP/s, {row.StepOfPeak:P0} of peak)";
            console.MarkupLineInterpolated($"{name} {(batchNorm ? "with" : "without")} BN: {step}{blasText}{runText}");
        }
        var stepTable = new Table().AddColumns(
            "Network",
            "BN",
            "Step (ms)",
            "GFLOP/s",
            "Of peak",
            "OpenBLAS step (ms)",
            "Full run (s)",
            "Eval share",
            "Test acc"
        );
        foreach (var r in steps)
            stepTable.AddRow(
                Markup.Escape(r.Network),
                r.BatchNorm ? "yes" : "no",
                $"{r.StepMillis:F3}",
                $"{r.StepGflops:F1}",
                $"{r.StepOfPeak:P0}",
                r.OpenBlasStepMillis?.ToString("F3") ?? "-",
                r.FullRunSeconds?.ToString("F2") ?? "-",
                r.EvaluationShare?.ToString("P1") ?? "-",
                r.TestAccuracy?.ToString("F4") ?? "-"
            );
        console.Write(stepTable);
        double BnStep(string depth) => steps.Single(r => r.BatchNorm && r.Network.StartsWith(depth)).StepMillis;
        var nineToThree = Math.Round(BnStep("9-") / BnStep("3-"), 3);
        console.MarkupLineInterpolated($"9-layer BN step / 3-layer BN step: {nineToThree:F2}");
        var (fused, products, auto) = settings.NoGroups
            ? ([], [], null)
            : Groups(console, data, ours, specs, peak, settings.Steps, cancellation);
        var peakMemory = PeakWorkingSetMB();
        console.MarkupLineInterpolated($"Peak working set of this process: {peakMemory:F0} MB");
        json?.Write(
            new BenchReport(
                CpuModel.Name(),
                core,
                ours.Isa.ToString(),
                width,
                Math.Round(peak, 1),
                peaks,
                openBlas?.Name ?? "",
                gemms,
                steps,
                nineToThree,
                Math.Round(peakMemory, 1),
                fused,
                products,
                auto
            )
        );
        return 0;
    }

    /// <summary>
    /// Runs trained together (<see cref="TrainingGroup"/>): for each recipe network, with and without BN,
    /// a run's share of the step in groups of 1 to <see cref="GroupSizes.Largest"/>, against the peak and
    /// against the network trained alone (a group of one); the stacked first layers' products for each
    /// size; and the group size sweep.group-size = auto takes on this core.
    /// </summary>
    private static (IReadOnlyList<FusedBenchRow>, IReadOnlyList<FusedProductRow>, int?) Groups(
        IAnsiConsole console,
        DataSplits data,
        SimdGemm gemm,
        (string Name, bool BatchNorm, NetworkSpec Spec)[] specs,
        double peak,
        int steps,
        CancellationToken cancellation
    )
    {
        var products = new List<FusedProductRow>();
        for (var size = 1; size <= GroupSizes.Largest; size++)
        {
            cancellation.ThrowIfCancellationRequested();
            var (forward, stepped) = StepBenchmark.FusedFirstLayerGflops(50 * size, gemm);
            products.Add(
                new FusedProductRow(
                    size,
                    50 * size,
                    Math.Round(forward, 1),
                    Math.Round(forward / peak, 3),
                    Math.Round(stepped, 1),
                    Math.Round(stepped / peak, 3)
                )
            );
        }
        var productTable = new Table().AddColumns(
            "Group of",
            "Rows (m)",
            "Forward m x 100 x 3072 GFLOP/s",
            "Of peak",
            "Gradient stepped m x 3072 x 100 GFLOP/s",
            "Of peak"
        );
        foreach (var p in products)
            productTable.AddRow(
                $"{p.GroupSize}",
                $"{p.Rows}",
                $"{p.ForwardGflops:F1}",
                $"{p.ForwardOfPeak:P0}",
                $"{p.SteppedGflops:F1}",
                $"{p.SteppedOfPeak:P0}"
            );
        console.WriteLine(
            "Stacked first layers of groups of networks with 50 first-layer units (one product each for the whole group):"
        );
        console.Write(productTable);

        var fused = new List<FusedBenchRow>();
        foreach (var (name, batchNorm, spec) in specs)
        {
            var config = new TrainingConfig { Hidden = spec.Hidden.ToArray(), BatchNorm = batchNorm };
            var flops = StepBenchmark.FlopsPerStep(spec, config.BatchSize);
            var alone = 0.0;
            for (var size = 1; size <= GroupSizes.Largest; size++)
            {
                cancellation.ThrowIfCancellationRequested();
                var perTrial =
                    StepBenchmark.MedianGroupStepMillis(config, data, gemm, size, Math.Max(10, steps / size)) / size;
                if (size == 1)
                    alone = perTrial;
                var ofPeak = flops / (perTrial * 1e6) / peak;
                fused.Add(
                    new FusedBenchRow(
                        name,
                        batchNorm,
                        size,
                        Math.Round(perTrial, 4),
                        Math.Round(ofPeak, 3),
                        Math.Round(alone / perTrial, 3)
                    )
                );
            }
        }
        var table = new Table().AddColumns([
            "Network",
            "BN",
            .. Enumerable.Range(1, GroupSizes.Largest).Select(s => $"group of {s}"),
        ]);
        foreach (var network in fused.GroupBy(f => (f.Network, f.BatchNorm)))
            table.AddRow([
                Markup.Escape(network.Key.Network.Split(' ')[0]),
                network.Key.BatchNorm ? "yes" : "no",
                .. network.Select(f => $"{f.PerTrialStepMillis:F3} ms, {f.OfPeak:P0}, x{f.SpeedupOverAlone:F2}"),
            ]);
        console.WriteLine(
            "A run's share of its group's update step (ms), of peak, and speed-up over training it alone:"
        );
        console.Write(table);
        var auto = GroupSizes.Fastest(data, gemm);
        GroupSizeCache.Default.Write(GroupSizeCache.Key(gemm.Name), auto);
        var kept = GroupSizeCache.Default.Path;
        console.MarkupLineInterpolated(
            $"sweep.group-size = auto on this core: groups of up to [bold]{auto}[/] (a worker node's quick measurement; kept in {kept})"
        );
        return (fused, products, auto);
    }

    /// <summary>Keeps this process on one core (the one asked for, or the first it may use), so every figure comes from the same core.</summary>
    private static int PinToCore(int? requested)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsWindows())
            return requested is null
                ? -1
                : throw new ArgumentException("--core: this OS does not let a process choose its cores");
        using var process = Process.GetCurrentProcess();
        var allowed = (long)process.ProcessorAffinity;
        var core = requested ?? Enumerable.Range(0, 64).First(c => (allowed >> c & 1) == 1);
        if (core >= 64 || (allowed >> core & 1) == 0)
        {
            var cores = string.Join(", ", Enumerable.Range(0, 64).Where(c => (allowed >> c & 1) == 1));
            throw new ArgumentException($"--core {core}: this process may run on cores {cores}");
        }
        process.ProcessorAffinity = (nint)(1L << core);
        return core;
    }

    private static string Describe(GemmShape s) =>
        $"{s.M} x {s.N} x {s.K}{(s.TransposeA ? ", A transposed" : s.TransposeB ? ", B transposed" : "")}";

    private static double PeakWorkingSetMB()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.PeakWorkingSet64 / (1024.0 * 1024.0);
    }
}
