using System.Globalization;
using Akka.Configuration.Hocon;
using Assignment3.Core.Network;
using Assignment3.Core.Training;

namespace Assignment3.Experiments.Configuration;

/// <summary>Which of a parameter's values makes a run hardest to allow (the rules between parameters: update steps, sizes).</summary>
public enum WorstCase
{
    /// <summary>No rule between parameters reads it: any value.</summary>
    Any,
    Largest,
    Smallest,

    /// <summary>The value that gives the network the most weights.</summary>
    LargestNetwork,
}

/// <summary>
/// A training parameter that configs may set, with every fact about it in one row: where it lives
/// (section.key), what it accepts, how to read one value, how that value changes a
/// <see cref="TrainingConfig"/> and is read back from one (so its default is the recipe's), whether
/// it takes whole numbers, whether a search may vary it, the condition under which it changes a
/// run, and its worst case. Adding a parameter is one row here plus its training code.
/// </summary>
public sealed record Parameter(
    string Section,
    string Key,
    string Allowed,
    Func<HoconValue, string, object> Read,
    Func<TrainingConfig, object, TrainingConfig> Apply,
    Func<TrainingConfig, object?> ValueIn,
    Func<object, string> Format
)
{
    public string Path => $"{Section}.{Key}";

    /// <summary>Whether a single value of this parameter is itself a list (the hidden sizes).</summary>
    public bool IsListValued { get; init; }

    /// <summary>Turns a number from a range into a value; null for parameters that take no ranges.</summary>
    public Func<double, string, object>? FromRange { get; init; }

    public bool IsNumeric => FromRange is not null;

    /// <summary>Its values are whole numbers (a range of them is rounded; a search's bounds must be whole).</summary>
    public bool IsWhole { get; init; }

    /// <summary>Searched in log10 space when refined (rates, regularization, init spread).</summary>
    public bool LogScale { get; init; }

    /// <summary>Whether a search may vary it: not the seeds, nor what only sets how a run is recorded.</summary>
    public bool Searchable { get; init; } = true;

    /// <summary>It changes a run only when another parameter has this value; null: always.</summary>
    public (Parameter On, object Value)? AppliesWhen { get; init; }

    /// <summary>The widest span a refinement around a value may take (log parameters: decades).</summary>
    public double MaxRefineSpan { get; init; } = 1e6;

    public WorstCase Worst { get; init; }

    /// <summary>Choices to show in an error for a parameter that takes no ranges, e.g. "false, true".</summary>
    public string ExampleChoices { get; init; } = "...";

    /// <summary>The recipe's value (a default <see cref="TrainingConfig"/>'s); null when it has none.</summary>
    public object? Default => ValueIn(new TrainingConfig());

    public object FromNumber(double value, string where) =>
        (FromRange ?? throw new ConfigException($"{where}: {Path} takes no ranges"))(value, where);

    /// <summary>The value as a number (for ranges and refinement).</summary>
    public double ToNumber(object value) =>
        value switch
        {
            double d => d,
            int i => i,
            Initialization { Kind: InitKind.Sigma } init => init.Sigma,
            _ => throw new InvalidOperationException($"{Path}: {Format(value)} is not numeric"),
        };

    /// <summary>Of <paramref name="values"/>, the one that makes a run hardest to allow, given the rest of <paramref name="worst"/>.</summary>
    public object WorstOf(IReadOnlyList<object> values, TrainingConfig worst) =>
        Worst switch
        {
            WorstCase.Largest => values.MaxBy(ToNumber)!,
            WorstCase.Smallest => values.MinBy(ToNumber)!,
            WorstCase.LargestNetwork => values.MaxBy(v =>
                Apply(worst, v).ParameterCount(Core.Data.Cifar10Format.Pixels)
            )!,
            _ => values[0],
        };

    public static readonly Parameter Hidden = new(
        "network",
        "hidden",
        "a non-empty list of positive layer widths, e.g. [50, 50]",
        ReadHidden,
        (c, v) => c with { Hidden = (int[])v },
        c => c.Hidden.ToArray(),
        v => $"[{string.Join(", ", (int[])v)}]"
    )
    {
        IsListValued = true,
        Worst = WorstCase.LargestNetwork,
        ExampleChoices = "[50, 50], [100]",
    };

    public static readonly Parameter BatchNorm = new(
        "network",
        "batch-norm",
        "true or false",
        ReadBool,
        (c, v) => c with { BatchNorm = (bool)v },
        c => c.BatchNorm,
        v => (bool)v ? "true" : "false"
    )
    {
        Worst = WorstCase.LargestNetwork,
        ExampleChoices = "false, true",
    };

    public static readonly Parameter Init = new(
        "network",
        "init",
        "he, xavier, or a positive number (the sigma of W ~ N(0, sigma^2))",
        ReadInit,
        (c, v) => c with { Init = (Initialization)v },
        c => c.Init,
        v => FormatInit((Initialization)v)
    )
    {
        FromRange = (v, where) => v > 0 ? Initialization.FixedSigma(v) : throw OutOfRange(where, v),
        LogScale = true,
        MaxRefineSpan = 10,
    };

    public static readonly Parameter BatchNormAlpha = new(
        "network",
        "batch-norm-alpha",
        "a number in [0, 1)",
        Number(v => v is >= 0 and < 1),
        (c, v) => c with { BatchNormAlpha = (double)v },
        c => c.BatchNormAlpha,
        FormatNumber
    )
    {
        FromRange = Checked(v => v is >= 0 and < 1),
        AppliesWhen = (BatchNorm, true),
        MaxRefineSpan = 1,
    };

    public static readonly Parameter Lambda = new(
        "training",
        "lambda",
        "a number >= 0",
        Number(v => v >= 0),
        (c, v) => c with { Lambda = (double)v },
        c => c.Lambda,
        FormatNumber
    )
    {
        FromRange = Checked(v => v >= 0),
        LogScale = true,
        MaxRefineSpan = 10,
    };

    public static readonly Parameter BatchSize = new(
        "training",
        "batch-size",
        "a whole number >= 1",
        Whole(1),
        (c, v) => c with { BatchSize = (int)v },
        c => c.BatchSize,
        FormatWhole
    )
    {
        FromRange = Rounded(1),
        IsWhole = true,
    };

    public static readonly Parameter EtaMin = new(
        "training",
        "eta-min",
        "a number > 0",
        Number(v => v > 0),
        (c, v) => c with { EtaMin = (double)v },
        c => c.EtaMin,
        FormatNumber
    )
    {
        FromRange = Checked(v => v > 0),
        LogScale = true,
        MaxRefineSpan = 10,
        Worst = WorstCase.Largest,
    };

    public static readonly Parameter EtaMax = new(
        "training",
        "eta-max",
        "a number > 0",
        Number(v => v > 0),
        (c, v) => c with { EtaMax = (double)v },
        c => c.EtaMax,
        FormatNumber
    )
    {
        FromRange = Checked(v => v > 0),
        LogScale = true,
        MaxRefineSpan = 10,
        Worst = WorstCase.Smallest,
    };

    public static readonly Parameter StepSize = new(
        "training",
        "step-size",
        "a whole number >= 1 (update steps per half cycle, n_s)",
        Whole(1),
        (c, v) => c with { StepSize = (int)v },
        c => c.StepSize,
        FormatWhole
    )
    {
        FromRange = Rounded(1),
        IsWhole = true,
        Worst = WorstCase.Largest,
    };

    public static readonly Parameter Cycles = new(
        "training",
        "cycles",
        "a whole number >= 1",
        Whole(1),
        (c, v) => c with { Cycles = (int)v },
        c => c.Cycles,
        FormatWhole
    )
    {
        FromRange = Rounded(1),
        IsWhole = true,
        Worst = WorstCase.Largest,
    };

    public static readonly Parameter PointsPerCycle = new(
        "training",
        "points-per-cycle",
        "a whole number >= 1",
        Whole(1),
        (c, v) => c with { PointsPerCycle = (int)v },
        c => c.PointsPerCycle,
        FormatWhole
    )
    {
        IsWhole = true,
        Searchable = false,
        Worst = WorstCase.Largest,
    };

    public static readonly Parameter TrainEvalSubset = new(
        "training",
        "train-eval-subset",
        "a whole number >= 0 (0: the whole training set)",
        Whole(0),
        (c, v) => c with { TrainEvalSubset = (int)v },
        c => c.TrainEvalSubset,
        FormatWhole
    )
    {
        IsWhole = true,
        Searchable = false,
    };

    public static readonly Parameter Seed = new(
        "training",
        "seed",
        "a whole number >= 0",
        Whole(0),
        (c, v) => c with { Seed = (int)v },
        c => c.Seed,
        FormatWhole
    )
    {
        IsWhole = true,
        Searchable = false,
    };

    public static readonly Parameter DataOrderSeed = new(
        "training",
        "data-order-seed",
        "a whole number >= 0 (the seed of the mini-batch order; without it, the seed's)",
        Whole(0),
        (c, v) => c with { DataOrderSeed = (int)v },
        c => c.DataOrderSeed,
        FormatWhole
    )
    {
        IsWhole = true,
        Searchable = false,
    };

    public static readonly IReadOnlyList<Parameter> All =
    [
        Hidden,
        BatchNorm,
        Init,
        BatchNormAlpha,
        Lambda,
        BatchSize,
        EtaMin,
        EtaMax,
        StepSize,
        Cycles,
        PointsPerCycle,
        TrainEvalSubset,
        Seed,
        DataOrderSeed,
    ];

    public static Parameter? Find(string section, string key) =>
        All.FirstOrDefault(p => p.Section == section && p.Key == key);

    public static Parameter Get(string path) => All.Single(p => p.Path == path);

    private static ConfigException OutOfRange(string where, double v) =>
        new($"{where}: {v.ToString("G6", CultureInfo.InvariantCulture)} is out of range");

    private static Func<double, string, object> Checked(Func<double, bool> valid) =>
        (v, where) => valid(v) ? v : throw OutOfRange(where, v);

    private static Func<double, string, object> Rounded(int minimum) =>
        (v, where) => (int)Math.Round(v) is var i && i >= minimum ? i : throw OutOfRange(where, v);

    private static object ReadHidden(HoconValue value, string where)
    {
        // Akka's parser reads [] as an empty value rather than an empty list.
        var empty = value.IsArray()
            ? value.GetArray().Count == 0
            : !value.IsObject() && string.IsNullOrWhiteSpace(value.GetString());
        if (empty)
            throw new ConfigException(
                $"{where}: empty hidden list; a k-layer network needs at least one hidden layer, e.g. [50]"
            );
        if (!value.IsArray())
            throw Wrong(where, "a non-empty list of positive layer widths, e.g. [50, 50]", value);
        return value.GetArray().Select((item, i) => (int)Whole(1)(item, $"{where}[{i}]")).ToArray();
    }

    private static object ReadBool(HoconValue value, string where) =>
        Scalar(value, where, "true or false") switch
        {
            "true" or "on" or "yes" => true,
            "false" or "off" or "no" => false,
            var s => throw new ConfigException($"{where}: '{s}' is not allowed; expected true or false"),
        };

    private static object ReadInit(HoconValue value, string where)
    {
        var s = Scalar(value, where, "he, xavier, or a positive sigma");
        if (s.Equals("he", StringComparison.OrdinalIgnoreCase))
            return Initialization.He;
        if (s.Equals("xavier", StringComparison.OrdinalIgnoreCase))
            return Initialization.Xavier;
        if (
            double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var sigma)
            && sigma > 0
            && double.IsFinite(sigma)
        )
            return Initialization.FixedSigma(sigma);
        throw new ConfigException($"{where}: '{s}' is not allowed; expected he, xavier, or a positive number (sigma)");
    }

    private static Func<HoconValue, string, object> Number(Func<double, bool> valid) =>
        (value, where) =>
        {
            var s = Scalar(value, where, "a number");
            if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                throw new ConfigException($"{where}: '{s}' is not a number");
            if (!valid(v))
                throw new ConfigException($"{where}: {s} is out of range");
            return v;
        };

    private static Func<HoconValue, string, object> Whole(int minimum) =>
        (value, where) =>
        {
            var s = Scalar(value, where, "a whole number");
            if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
                throw new ConfigException($"{where}: '{s}' is not a whole number");
            if (v < minimum)
                throw new ConfigException($"{where}: {v} is out of range; must be at least {minimum}");
            return v;
        };

    private static string Scalar(HoconValue value, string where, string expected)
    {
        if (value.IsArray() || value.IsObject())
            throw Wrong(where, expected, value);
        return value.GetString()?.Trim() ?? throw new ConfigException($"{where}: empty value; expected {expected}");
    }

    private static ConfigException Wrong(string where, string expected, HoconValue value) =>
        new(
            $"{where}: expected {expected}, got {(value.IsObject() ? "an object" : value.IsArray() ? "a list" : $"'{value.GetString()}'")}"
        );

    public static string FormatNumber(object v) => ((double)v).ToString("R", CultureInfo.InvariantCulture);

    private static string FormatWhole(object v) => ((int)v).ToString(CultureInfo.InvariantCulture);

    private static string FormatInit(Initialization init) =>
        init.Kind switch
        {
            InitKind.He => "he",
            InitKind.Xavier => "xavier",
            _ => init.Sigma.ToString("R", CultureInfo.InvariantCulture),
        };
}
