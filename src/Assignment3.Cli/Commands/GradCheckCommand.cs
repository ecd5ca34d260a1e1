using System.ComponentModel;
using System.Globalization;
using Assignment3.Cli.Terminal;
using Assignment3.Core.Data;
using Assignment3.Core.Network;
using Assignment3.Core.Numerics;
using Assignment3.Core.Verification;
using Assignment3.Storage;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Assignment3.Cli.Commands;

public sealed class GradCheckSettings : DataSettings
{
    [
        CommandOption("--hidden <SIZES>"),
        Description(
            "Hidden widths of a network to check, e.g. 50,50; repeat for several. Default: 50 / 50,50 / 50,50,50 (2-, 3- and 4-layer)."
        )
    ]
    public string[] Hidden { get; init; } = [];

    [CommandOption("--bn"), Description("Only networks with batch normalization.")]
    public bool BatchNorm { get; init; }

    [CommandOption("--no-bn"), Description("Only networks without batch normalization.")]
    public bool NoBatchNorm { get; init; }

    [
        CommandOption("--lambda <LAMBDA>"),
        TypeConverter(typeof(NumberConverter)),
        Description("L2 regularization in the checked cost."),
        DefaultValue(0.01)
    ]
    public double Lambda { get; init; } = 0.01;

    [
        CommandOption("--fd-h <H>"),
        TypeConverter(typeof(NumberConverter)),
        Description("Step h of the centred finite differences."),
        DefaultValue(1e-5)
    ]
    public double H { get; init; } = 1e-5;

    [
        CommandOption("--dims <D>"),
        TypeConverter(typeof(WholeNumberConverter)),
        Description("Input dimensions used (the first D)."),
        DefaultValue(20)
    ]
    public int Dimensions { get; init; } = 20;

    [
        CommandOption("--samples <N>"),
        TypeConverter(typeof(WholeNumberConverter)),
        Description("Samples used (the first N of data_batch_1)."),
        DefaultValue(5)
    ]
    public int Samples { get; init; } = 5;

    [
        CommandOption("--threshold <T>"),
        TypeConverter(typeof(NumberConverter)),
        Description("Largest norm relative error that passes."),
        DefaultValue(1e-6)
    ]
    public double Threshold { get; init; } = 1e-6;

    [CommandOption("--init <INIT>"), Description("he, xavier, or a sigma."), DefaultValue("he")]
    public string Init { get; init; } = "he";

    [
        CommandOption("--seed <N>"),
        TypeConverter(typeof(WholeNumberConverter)),
        Description("Seed of the weights."),
        DefaultValue(1)
    ]
    public int Seed { get; init; } = 1;

    [
        CommandOption("--synthetic"),
        Description("Use random inputs (uniform in [-1, 1]) and labels instead of CIFAR-10.")
    ]
    public bool Synthetic { get; init; }

    [CommandOption("--json"), Description("Print the results as a JSON array on stdout.")]
    public bool Json { get; init; }

    public override ValidationResult Validate()
    {
        if (BatchNorm && NoBatchNorm)
            return ValidationResult.Error("--bn and --no-bn contradict each other");
        if (Hidden.FirstOrDefault(h => TrainSettings.ParseHidden(h) is null) is { } bad)
            return ValidationResult.Error($"--hidden must be positive widths separated by commas, got '{bad}'");
        if (!(H > 0))
            return ValidationResult.Error($"--fd-h must be positive, got {H}");
        if (!(Lambda >= 0))
            return ValidationResult.Error($"--lambda must be >= 0, got {Lambda}");
        if (Dimensions is < 1 or > Cifar10Format.Pixels)
            return ValidationResult.Error($"--dims must be 1 to {Cifar10Format.Pixels}, got {Dimensions}");
        if (Samples < 2)
            return ValidationResult.Error($"--samples must be at least 2 (batch norm needs a batch), got {Samples}");
        if (!(Threshold > 0))
            return ValidationResult.Error($"--threshold must be positive, got {Threshold}");
        if (TrainSettings.ParseInit(Init) is null)
            return ValidationResult.Error($"--init must be he, xavier or a positive sigma, got '{Init}'");
        return ValidationResult.Success();
    }
}

public sealed record GradCheckRow(
    string Network,
    bool BatchNorm,
    int Layer,
    string Parameter,
    double RelativeError,
    double ElementwiseRelativeError,
    double AbsoluteError,
    bool ZeroGradient,
    bool Passed
);

public sealed class GradCheckCommand : AsyncCommand<GradCheckSettings>
{
    public override async Task<int> ExecuteAsync(
        CommandContext context,
        GradCheckSettings settings,
        CancellationToken cancellation
    )
    {
        using var json = JsonStdout.Claim(settings.Json);
        var console = Consoles.ForHumans(settings.Json);
        var (x, labels, source) = await Inputs(console, settings, cancellation);
        var hiddenSets =
            settings.Hidden.Length > 0
                ? settings.Hidden.Select(h => TrainSettings.ParseHidden(h)!).ToArray()
                :
                [
                    [50],
                    [50, 50],
                    [50, 50, 50],
                ];
        bool[] batchNorms =
            settings.BatchNorm ? [true]
            : settings.NoBatchNorm ? [false]
            : [false, true];
        var options = new GradientCheckOptions(settings.H, settings.Threshold);
        GemmBackends.UseThreads(1);
        var gemm = GemmBackends.Select();
        console.MarkupLine(
            $"Gradient check on {Markup.Escape(source)}: {settings.Dimensions} dimensions, "
                + $"{settings.Samples} samples, lambda {settings.Lambda}, h {settings.H}, float64, {Markup.Escape(gemm.Name)}"
        );

        var rows = new List<GradCheckRow>();
        foreach (var hidden in hiddenSets)
        foreach (var batchNorm in batchNorms)
        {
            var spec = new NetworkSpec(
                settings.Dimensions,
                hidden,
                Cifar10Format.Classes,
                batchNorm,
                TrainSettings.ParseInit(settings.Init)!
            );
            var network = new Network<double>(spec, settings.Seed, gemm);
            var checks = GradientCheck.Run(network, x, labels, settings.Lambda, options);
            var name = string.Join(",", hidden);
            rows.AddRange(
                checks.Select(c => new GradCheckRow(
                    name,
                    batchNorm,
                    c.Layer,
                    c.Parameter.ToString(),
                    c.RelativeError,
                    c.ElementwiseRelativeError,
                    c.AbsoluteError,
                    c.ZeroGradient,
                    c.Passed
                ))
            );
            console.Write(
                ReportTable(
                    $"{spec.LayerCount}-layer network [{name}] {(batchNorm ? "with" : "without")} batch norm",
                    checks,
                    batchNorm
                )
            );
        }

        var failed = rows.Count(r => !r.Passed);
        console.MarkupLine(
            failed == 0
                ? $"[green]All {rows.Count} parameter tensors pass[/] (norm relative error <= "
                    + $"{settings.Threshold:G3}; zero gradients by absolute error <= {options.ZeroGradientAbsoluteTolerance:G3})."
                : $"[red]{failed} of {rows.Count} parameter tensors fail.[/]"
        );
        json?.Write(rows);
        return failed == 0 ? 0 : Errors.Failed;
    }

    private static async Task<(Mat<double> X, byte[] Labels, string Source)> Inputs(
        IAnsiConsole console,
        GradCheckSettings settings,
        CancellationToken cancellation
    )
    {
        var (d, n) = (settings.Dimensions, settings.Samples);
        if (settings.Synthetic)
        {
            var random = new Assignment3.Core.Randomness.Xoshiro256StarStar((ulong)(settings.Seed + 1));
            var x = new Mat<double>(d, n);
            for (var i = 0; i < x.Data.Length; i++)
                x.Data[i] = random.NextDouble() * 2 - 1;
            return (
                x,
                Enumerable.Range(0, n).Select(_ => (byte)random.Next(Cifar10Format.Classes)).ToArray(),
                "synthetic uniform inputs"
            );
        }
        var data = await DataLoading.LoadAsync(
            console,
            settings.Data,
            new DataOptions(SplitKind.Batch1, 1),
            cancellation
        );
        if (n > data.Train.Count)
            throw new ArgumentException($"--samples {n} exceeds the {data.Train.Count} training images");
        var reduced = new Mat<double>(d, n);
        for (var j = 0; j < n; j++)
        for (var i = 0; i < d; i++)
            reduced[i, j] = data.Train.Value(i, j);
        return (reduced, data.Train.Labels[..n], "data_batch_1 (standardized)");
    }

    /// <summary>The report's table: one row per layer, the norm relative error of each parameter.</summary>
    private static Table ReportTable(string title, IReadOnlyList<ParameterCheck> checks, bool batchNorm)
    {
        ParameterKind[] kinds = batchNorm
            ? [ParameterKind.W, ParameterKind.b, ParameterKind.gamma, ParameterKind.beta]
            : [ParameterKind.W, ParameterKind.b];
        var table = new Table().Title(Markup.Escape(title)).AddColumn("Layer");
        foreach (var kind in kinds)
            table.AddColumn($"{kind} (rel / elem / abs)");
        foreach (var layer in checks.GroupBy(c => c.Layer))
        {
            var cells = kinds.Select(kind => layer.FirstOrDefault(c => c.Parameter == kind) is { } c ? Cell(c) : "");
            table.AddRow([layer.Key.ToString(CultureInfo.InvariantCulture), .. cells]);
        }
        return table;
    }

    private static string Cell(ParameterCheck c)
    {
        var text = c.ZeroGradient
            ? $"zero gradient (abs {c.AbsoluteError:0.00e+00})"
            : $"{c.RelativeError:0.00e+00} / {c.ElementwiseRelativeError:0.00e+00} / {c.AbsoluteError:0.00e+00}";
        return c.Passed ? Markup.Escape(text) : $"[red]{Markup.Escape(text)}[/]";
    }
}
