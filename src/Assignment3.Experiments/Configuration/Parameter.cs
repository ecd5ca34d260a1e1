using System.Globalization;
using Akka.Configuration.Hocon;
using Assignment3.Core.Network;
using Assignment3.Core.Training;

namespace Assignment3.Experiments.Configuration;

/// <summary>
/// A training parameter that configs may set: where it lives (section.key), what it accepts,
/// how to read one value, and how that value changes a <see cref="TrainingConfig"/>.
/// </summary>
public sealed record Parameter(
    string Section,
    string Key,
    string Allowed,
    Func<HoconValue, string, object> Read,
    Func<TrainingConfig, object, TrainingConfig> Apply,
    Func<object, string> Format)
{
    public string Path => $"{Section}.{Key}";

    /// <summary>Whether a single value of this parameter is itself a list (the hidden sizes).</summary>
    public bool IsListValued { get; init; }

    /// <summary>Turns a number from a range into a value; null for parameters that take no ranges.</summary>
    public Func<double, string, object>? FromRange { get; init; }

    public bool IsNumeric => FromRange is not null;

    /// <summary>Searched in log10 space when refined (rates, regularization, init spread).</summary>
    public bool LogScale { get; init; }

    public object FromNumber(double value, string where) =>
        (FromRange ?? throw new ConfigException($"{where}: {Path} takes no ranges"))(value, where);

    /// <summary>The value as a number (for ranges and refinement).</summary>
    public double ToNumber(object value) => value switch
    {
        double d => d,
        int i => i,
        Initialization { Kind: InitKind.Sigma } init => init.Sigma,
        _ => throw new InvalidOperationException($"{Path}: {Format(value)} is not numeric"),
    };

    public static readonly IReadOnlyList<Parameter> All =
    [
        new("network", "hidden", "a non-empty list of positive layer widths, e.g. [50, 50]",
            ReadHidden, (c, v) => c with { Hidden = (int[])v }, v => $"[{string.Join(", ", (int[])v)}]") { IsListValued = true },
        new("network", "batch-norm", "true or false", ReadBool, (c, v) => c with { BatchNorm = (bool)v }, v => (bool)v ? "true" : "false"),
        new("network", "init", "he, xavier, or a positive number (the sigma of W ~ N(0, sigma^2))",
            ReadInit, (c, v) => c with { Init = (Initialization)v }, v => FormatInit((Initialization)v))
            { FromRange = (v, where) => v > 0 ? Initialization.FixedSigma(v) : throw OutOfRange(where, v), LogScale = true },
        new("network", "batch-norm-alpha", "a number in [0, 1)", Number(v => v is >= 0 and < 1), (c, v) => c with { BatchNormAlpha = (double)v }, FormatNumber)
            { FromRange = Checked(v => v is >= 0 and < 1) },
        new("training", "lambda", "a number >= 0", Number(v => v >= 0), (c, v) => c with { Lambda = (double)v }, FormatNumber)
            { FromRange = Checked(v => v >= 0), LogScale = true },
        new("training", "batch-size", "a whole number >= 1", Whole(1), (c, v) => c with { BatchSize = (int)v }, FormatWhole) { FromRange = Rounded(1) },
        new("training", "eta-min", "a number > 0", Number(v => v > 0), (c, v) => c with { EtaMin = (double)v }, FormatNumber)
            { FromRange = Checked(v => v > 0), LogScale = true },
        new("training", "eta-max", "a number > 0", Number(v => v > 0), (c, v) => c with { EtaMax = (double)v }, FormatNumber)
            { FromRange = Checked(v => v > 0), LogScale = true },
        new("training", "step-size", "a whole number >= 1 (update steps per half cycle, n_s)", Whole(1), (c, v) => c with { StepSize = (int)v }, FormatWhole) { FromRange = Rounded(1) },
        new("training", "cycles", "a whole number >= 1", Whole(1), (c, v) => c with { Cycles = (int)v }, FormatWhole) { FromRange = Rounded(1) },
        new("training", "points-per-cycle", "a whole number >= 1", Whole(1), (c, v) => c with { PointsPerCycle = (int)v }, FormatWhole),
        new("training", "train-eval-subset", "a whole number >= 0 (0: the whole training set)", Whole(0), (c, v) => c with { TrainEvalSubset = (int)v }, FormatWhole),
        new("training", "seed", "a whole number >= 0", Whole(0), (c, v) => c with { Seed = (int)v }, FormatWhole),
        new("training", "data-order-seed", "a whole number >= 0 (the seed of the mini-batch order; without it, the seed's)", Whole(0),
            (c, v) => c with { DataOrderSeed = (int)v }, FormatWhole),
    ];

    public static Parameter? Find(string section, string key) => All.FirstOrDefault(p => p.Section == section && p.Key == key);

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
        var empty = value.IsArray() ? value.GetArray().Count == 0 : !value.IsObject() && string.IsNullOrWhiteSpace(value.GetString());
        if (empty) throw new ConfigException($"{where}: empty hidden list; a k-layer network needs at least one hidden layer, e.g. [50]");
        if (!value.IsArray()) throw Wrong(where, "a non-empty list of positive layer widths, e.g. [50, 50]", value);
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
        if (s.Equals("he", StringComparison.OrdinalIgnoreCase)) return Initialization.He;
        if (s.Equals("xavier", StringComparison.OrdinalIgnoreCase)) return Initialization.Xavier;
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var sigma) && sigma > 0 && double.IsFinite(sigma))
            return Initialization.FixedSigma(sigma);
        throw new ConfigException($"{where}: '{s}' is not allowed; expected he, xavier, or a positive number (sigma)");
    }

    private static Func<HoconValue, string, object> Number(Func<double, bool> valid) => (value, where) =>
    {
        var s = Scalar(value, where, "a number");
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
            throw new ConfigException($"{where}: '{s}' is not a number");
        if (!valid(v)) throw new ConfigException($"{where}: {s} is out of range");
        return v;
    };

    private static Func<HoconValue, string, object> Whole(int minimum) => (value, where) =>
    {
        var s = Scalar(value, where, "a whole number");
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            throw new ConfigException($"{where}: '{s}' is not a whole number");
        if (v < minimum) throw new ConfigException($"{where}: {v} is out of range; must be at least {minimum}");
        return v;
    };

    private static string Scalar(HoconValue value, string where, string expected)
    {
        if (value.IsArray() || value.IsObject()) throw Wrong(where, expected, value);
        return value.GetString()?.Trim() ?? throw new ConfigException($"{where}: empty value; expected {expected}");
    }

    private static ConfigException Wrong(string where, string expected, HoconValue value) =>
        new($"{where}: expected {expected}, got {(value.IsObject() ? "an object" : value.IsArray() ? "a list" : $"'{value.GetString()}'")}");

    public static string FormatNumber(object v) => ((double)v).ToString("R", CultureInfo.InvariantCulture);
    private static string FormatWhole(object v) => ((int)v).ToString(CultureInfo.InvariantCulture);
    private static string FormatInit(Initialization init) => init.Kind switch
    {
        InitKind.He => "he",
        InitKind.Xavier => "xavier",
        _ => init.Sigma.ToString("R", CultureInfo.InvariantCulture),
    };
}
