using System.ComponentModel;
using System.Globalization;
using Assignment3.Cli.Terminal;
using Assignment3.Core.Data;
using Assignment3.Core.Network;
using Assignment3.Core.Numerics;
using Assignment3.Core.Training;
using Assignment3.Experiments.Configuration;
using Assignment3.Experiments.Sweeps;
using Assignment3.Experiments.Text;
using Assignment3.Storage;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Assignment3.Cli.Commands;

public sealed class TrainSettings : DataSettings
{
    [
        CommandOption("-c|--config <FILE>"),
        Description("Experiment config (HOCON). Without it: the report's 3-layer recipe with batch norm.")
    ]
    public string? Config { get; init; }

    [CommandOption("--bn"), Description("Only runs with batch normalization.")]
    public bool BatchNorm { get; init; }

    [CommandOption("--no-bn"), Description("Only runs without batch normalization.")]
    public bool NoBatchNorm { get; init; }

    [
        CommandOption("--lambda <LAMBDA>"),
        TypeConverter(typeof(NumberConverter)),
        Description("L2 regularization strength (>= 0).")
    ]
    public double? Lambda { get; init; }

    [CommandOption("--hidden <SIZES>"), Description("Hidden layer widths, comma-separated, e.g. 50,30,20.")]
    public string? Hidden { get; init; }

    [CommandOption("--init <INIT>"), Description("he, xavier, or a sigma such as 1e-4.")]
    public string? Init { get; init; }

    [
        CommandOption("--cycles <N>"),
        TypeConverter(typeof(WholeNumberConverter)),
        Description("Number of learning-rate cycles.")
    ]
    public int? Cycles { get; init; }

    [
        CommandOption("--seed <N>"),
        TypeConverter(typeof(WholeNumberConverter)),
        Description("Seed of initialization, shuffling and the training-evaluation subset.")
    ]
    public int? Seed { get; init; }

    [CommandOption("-o|--out <DIR>"), Description("Output folder (default: runs/<name>-<time>). Must be new or empty.")]
    public string? Out { get; init; }

    [
        CommandOption("--progress <MODE>"),
        TypeConverter(typeof(ProgressModeConverter)),
        Description("auto (a progress bar on a terminal, plain lines otherwise), live, plain or none."),
        DefaultValue(ProgressMode.Auto)
    ]
    public ProgressMode Progress { get; init; } = ProgressMode.Auto;

    [CommandOption("--json"), Description("Print the metrics as JSON on stdout (progress goes to stderr).")]
    public bool Json { get; init; }

    [
        CommandOption("--threads <N>"),
        TypeConverter(typeof(WholeNumberConverter)),
        Description(
            "GEMM threads. More can be faster, but results then differ in the last bits from 1-thread runs (and sweeps)."
        ),
        DefaultValue(1)
    ]
    public int Threads { get; init; } = 1;

    public override ValidationResult Validate()
    {
        if (Threads < 1)
            return ValidationResult.Error($"--threads must be at least 1, got {Threads}");
        if (BatchNorm && NoBatchNorm)
            return ValidationResult.Error("--bn and --no-bn contradict each other");
        if (Lambda is < 0 || Lambda is { } l && !double.IsFinite(l))
            return ValidationResult.Error($"--lambda must be a number >= 0, got {Lambda}");
        if (Cycles is < 1)
            return ValidationResult.Error($"--cycles must be at least 1, got {Cycles}");
        if (Seed is < 0)
            return ValidationResult.Error($"--seed must be >= 0, got {Seed}");
        if (Hidden is not null && ParseHidden(Hidden) is null)
            return ValidationResult.Error(
                $"--hidden must be positive widths separated by commas, e.g. 50,50; got '{Hidden}'"
            );
        if (Init is not null && ParseInit(Init) is null)
            return ValidationResult.Error($"--init must be he, xavier or a positive sigma, got '{Init}'");
        return ValidationResult.Success();
    }

    public static int[]? ParseHidden(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var sizes = parts
            .Select(p =>
                int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : -1
            )
            .ToArray();
        return sizes.Length > 0 && sizes.All(v => v > 0) ? sizes : null;
    }

    public static Initialization? ParseInit(string text) =>
        text.ToLowerInvariant() switch
        {
            "he" => Initialization.He,
            "xavier" => Initialization.Xavier,
            _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var sigma)
            && sigma > 0
            && double.IsFinite(sigma)
                ? Initialization.FixedSigma(sigma)
                : null,
        };

    /// <summary>The experiment with the command line's overrides applied.</summary>
    public ExperimentConfig ApplyTo(ExperimentConfig experiment)
    {
        if (BatchNorm || NoBatchNorm)
            experiment = experiment.With(Parameter.BatchNorm, BatchNorm);
        if (Hidden is not null)
            experiment = experiment.With(Parameter.Hidden, ParseHidden(Hidden)!);
        if (Init is not null)
            experiment = experiment.With(Parameter.Init, ParseInit(Init)!);
        if (Lambda is { } lambda)
            experiment = experiment.With(Parameter.Lambda, lambda);
        if (Cycles is { } cycles)
            experiment = experiment.With(Parameter.Cycles, cycles);
        if (Seed is { } seed)
            experiment = experiment.With(Parameter.Seed, seed);
        return experiment;
    }
}

public sealed class TrainCommand : AsyncCommand<TrainSettings>
{
    public override async Task<int> ExecuteAsync(
        CommandContext context,
        TrainSettings settings,
        CancellationToken cancellation
    )
    {
        using var json = JsonStdout.Claim(settings.Json);
        var console = Consoles.ForHumans(settings.Json, settings.Progress);
        var progress = Terminal.Progress.Resolve(settings.Progress, console);
        // Sweep configs are experiment configs with a sweep section; train runs their experiment part.
        var experiment = settings.ApplyTo(
            settings.Config is null ? ExperimentConfig.Default : SweepConfig.Load(settings.Config).Experiment
        );
        var variants = experiment.Expand();
        var outFolder = OutputFolder.Create(settings.Out, experiment.Name);
        RunFolder.WriteConfig(outFolder, experiment.ToHocon());

        var data = await DataLoading.LoadAsync(console, settings.Data, experiment.Data, cancellation);
        GemmBackends.UseThreads(settings.Threads);
        var gemm = GemmBackends.Select();
        console.MarkupLine(
            $"GEMM backend: [blue]{Markup.Escape(gemm.Name)}[/]; output: [blue]{Markup.Escape(outFolder)}[/]"
        );

        var runs = new List<(RunMetrics Metrics, IReadOnlyList<CurvePoint> Curve)>();
        foreach (var variant in variants)
        {
            var result =
                progress == ProgressMode.Live
                    ? await TrainWithProgressBar(console, variant, data, gemm, cancellation)
                    : await TrainWithLines(
                        progress == ProgressMode.Plain ? console : null,
                        variant,
                        data,
                        gemm,
                        cancellation
                    );
            var metrics = RunMetrics.From(variant.Name, result);
            var folder = variants.Count == 1 ? outFolder : Path.Combine(outFolder, variant.Name);
            if (variants.Count > 1)
                RunFolder.WriteConfig(folder, variant.Resolved.ToHocon());
            RunFolder.WriteRun(folder, variant.Name, metrics, result.Curve);
            runs.Add((metrics, result.Curve));
            console.MarkupLine(
                result.Status == TrainingStatus.Completed
                    ? $"[green]{Markup.Escape(variant.Name)}[/]: test accuracy [bold]{Readable.Number(result.TestAccuracy)}[/], "
                        + $"validation {Readable.Number(result.ValidationAccuracy)}, {result.Seconds:F1} s"
                    : $"[red]{Markup.Escape(variant.Name)}: diverged at step {result.DivergedAtStep} (cost {result.FinalCost})[/]; curves up to then are saved"
            );
        }
        if (variants.Count > 1)
            RunFolder.WriteSummary(outFolder, experiment.Name, runs);
        console.Write(SummaryTable(runs));
        console.MarkupLine($"Written to [blue]{Markup.Escape(outFolder)}[/]");

        json?.Write(runs.Count == 1 ? runs[0].Metrics : runs.Select(r => r.Metrics).ToArray());
        return runs.All(r => r.Metrics.Status == TrainingStatus.Completed) ? 0 : Errors.Failed;
    }

    /// <summary>Plain progress: a line per recording point (none when <paramref name="console"/> is null).</summary>
    private static Task<TrainingResult> TrainWithLines(
        IAnsiConsole? console,
        Variant variant,
        DataSplits data,
        IGemm gemm,
        CancellationToken cancellation
    )
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        return Task.Run(
            () =>
                Trainer.Train(
                    variant.Config,
                    data,
                    gemm,
                    p =>
                    {
                        if (console is not null && p.Point is { } point)
                            Terminal.Progress.Line(
                                console,
                                clock,
                                $"{variant.Name}: step {p.Step}/{p.TotalSteps}, validation accuracy {Readable.Number(point.ValidationAccuracy)}, "
                                    + $"training cost {Readable.Number(point.TrainCost)}"
                            );
                    },
                    cancellation
                ),
            cancellation
        );
    }

    private static Task<TrainingResult> TrainWithProgressBar(
        IAnsiConsole console,
        Variant variant,
        DataSplits data,
        IGemm gemm,
        CancellationToken cancellation
    ) =>
        console
            .Progress()
            .AutoClear(false)
            .Columns(
                new TaskDescriptionColumn { Alignment = Justify.Left },
                new ProgressBarColumn(),
                new PercentageColumn(),
                new ElapsedTimeColumn(),
                new RemainingTimeColumn()
            )
            .StartAsync(async progressContext =>
            {
                var task = progressContext.AddTask(Markup.Escape(variant.Name), maxValue: variant.Config.TotalSteps);
                var result = await Task.Run(
                    () =>
                        Trainer.Train(
                            variant.Config,
                            data,
                            gemm,
                            p =>
                            {
                                task.Value = p.Step;
                                task.Description =
                                    Markup.Escape(
                                        $"{variant.Name}  step {p.Step}/{p.TotalSteps}  cost {Readable.Number(p.BatchCost)}"
                                    )
                                    + (
                                        p.Point is { } point
                                            ? Markup.Escape($"  val acc {Readable.Number(point.ValidationAccuracy)}")
                                            : ""
                                    );
                            },
                            cancellation
                        ),
                    cancellation
                );
                task.StopTask();
                return result;
            });

    private static Table SummaryTable(IEnumerable<(RunMetrics Metrics, IReadOnlyList<CurvePoint> Curve)> runs)
    {
        var table = new Table().AddColumns(
            "Run",
            "Status",
            "Test acc",
            "Validation acc",
            "Train acc",
            "Final cost",
            "Steps",
            "Seconds"
        );
        foreach (var (m, _) in runs)
            table.AddRow(
                Markup.Escape(m.Name),
                m.Status.ToString().ToLowerInvariant(),
                Readable.Number(m.TestAccuracy),
                Readable.Number(m.ValidationAccuracy),
                Readable.Number(m.TrainAccuracy),
                Readable.Number(m.FinalCost),
                m.UpdateSteps.ToString(CultureInfo.InvariantCulture),
                Readable.Number(m.Seconds)
            );
        return table;
    }
}
