using System.Globalization;
using Akka.Configuration.Hocon;
using Assignment3.Core.Randomness;
using Assignment3.Experiments.Configuration;

namespace Assignment3.Experiments.Search;

public enum DimensionKind
{
    Continuous,
    Integer,
    Categorical,
}

/// <summary>
/// One searched parameter. A point holds one number per dimension in the parameter's own units: the
/// value (continuous), the whole number (integer), or the index of the choice (categorical).
/// <paramref name="Parameter"/> is null for the network's shape (depth, width-1, width-2, ...).
/// </summary>
public sealed record Dimension(
    string Key,
    DimensionKind Kind,
    double Min,
    double Max,
    bool Log,
    IReadOnlyList<object> Choices,
    Parameter? Parameter
)
{
    /// <summary>The bounds a number is drawn within: integers own the half-unit either side, so each is equally likely.</summary>
    private (double Low, double High) Span => Kind == DimensionKind.Integer ? (Min - 0.5, Max + 0.5) : (Min, Max);

    /// <summary>A numeric value as a position in [0, 1] (in log10 for log dimensions).</summary>
    public double ToUnit(double value)
    {
        var (low, high) = Span;
        var u = Log
            ? (Math.Log10(value) - Math.Log10(low)) / (Math.Log10(high) - Math.Log10(low))
            : (value - low) / (high - low);
        return Math.Clamp(u, 0, 1);
    }

    /// <summary>The value at position u of [0, 1]; integers rounded into their range.</summary>
    public double FromUnit(double u)
    {
        var (low, high) = Span;
        u = Math.Clamp(u, 0, 1);
        var value = Log
            ? Math.Pow(10, Math.Log10(low) + u * (Math.Log10(high) - Math.Log10(low)))
            : low + u * (high - low);
        return Kind == DimensionKind.Integer ? Math.Clamp(Math.Round(value), Min, Max) : Math.Clamp(value, Min, Max);
    }

    /// <summary>A value for the config: the choice, or the number as the parameter takes it.</summary>
    public object Value(double coordinate) =>
        Kind == DimensionKind.Categorical
            ? Choices[(int)coordinate]
            : Parameter?.FromNumber(coordinate, Parameter.Path) ?? (int)coordinate;

    public string Format(double coordinate) =>
        Kind == DimensionKind.Categorical
            ? Parameter?.Format(Choices[(int)coordinate]) ?? Choices[(int)coordinate].ToString()!
            : coordinate.ToString(Kind == DimensionKind.Integer ? "0" : "R", CultureInfo.InvariantCulture);
}

/// <summary>
/// What a search stage searches: <c>sweep.search.space</c>. Each key is a parameter of the network or
/// training sections, or the network's shape: <c>depth</c> (hidden layers) and <c>width-1</c>,
/// <c>width-2</c>, ... (the width of each hidden layer; a width beyond the depth has no effect). A key
/// takes <c>{ uniform = [min, max] }</c>, <c>{ log-uniform = [min, max] }</c> (whole numbers for
/// whole-number parameters), or a list of choices. Conditional dimensions: <c>batch-norm-alpha</c>
/// counts only with batch norm on, <c>width-k</c> only when the depth is at least k; an inactive
/// dimension sits at its lower end in every point, so identical runs are identical points.
/// </summary>
public sealed class SearchSpace
{
    public const string Depth = "depth";
    public const string WidthPrefix = "width-";
    private static readonly string[] Forms = ["uniform", "log-uniform"];

    private readonly ExperimentConfig? experiment;

    /// <summary>What a run must meet besides being valid: the sweep's constraints known before training (null: nothing).</summary>
    private readonly Func<Core.Training.TrainingConfig, bool>? admits;

    private SearchSpace(
        ExperimentConfig? experiment,
        IReadOnlyList<Dimension> dimensions,
        Func<Core.Training.TrainingConfig, bool>? admits = null
    )
    {
        this.experiment = experiment;
        Dimensions = dimensions;
        this.admits = admits;
    }

    /// <summary>The same space, allowing only points whose run <paramref name="admits"/> (constraints known before training).</summary>
    public SearchSpace Admitting(Func<Core.Training.TrainingConfig, bool> admits) =>
        new(experiment, Dimensions, admits);

    public IReadOnlyList<Dimension> Dimensions { get; }
    public int Count => Dimensions.Count;

    /// <summary>A space of plain dimensions that configure no run (synthetic objectives: benchmarks and tests).</summary>
    public static SearchSpace Of(IReadOnlyList<Dimension> dimensions) => new(null, dimensions);

    public static SearchSpace Read(HoconValue? value, ExperimentConfig experiment, string where)
    {
        if (value is null || !value.IsObject() || value.GetObject().Items.Count == 0)
            throw new ConfigException(
                $"{where}: empty; name at least one parameter to search, e.g. lambda = {{ log-uniform = [1e-5, 1e-1] }}"
            );
        var dimensions = new List<Dimension>();
        foreach (var (key, spec) in value.GetObject().Items)
            dimensions.Add(ReadDimension(key, spec, $"{where}.{key}"));
        var space = new SearchSpace(experiment, dimensions);
        space.CheckShape(where);
        space.CheckConditions(where);
        space.CheckTrainable(where);
        return space;
    }

    /// <summary>How many seeded draws must find a run a3 can train before the space is taken as one that has none.</summary>
    private const int TrainableProbes = 1000;

    /// <summary>
    /// Refuses a space none of whose points a3 can train (eta-min's range wholly above eta-max's, every
    /// shape over the size cap): such a search would propose nothing and "complete" with no trial. The
    /// message is what the runs' own check says of the first draw, naming the keys.
    /// </summary>
    private void CheckTrainable(string where)
    {
        var random = new Xoshiro256StarStar((ulong)Xoshiro256StarStar.StableSeed(0, "search|trainable"));
        string? why = null;
        for (var i = 0; i < TrainableProbes; i++)
        {
            try
            {
                Apply(Sample(random)).Validate();
                return;
            }
            catch (ConfigException e)
            {
                why ??= e.Message;
            }
        }
        throw new ConfigException(
            $"{where}: none of {TrainableProbes:N0} points drawn from the space is a run a3 can train, e.g.: {why}"
        );
    }

    private static Dimension ReadDimension(string key, HoconValue spec, string where)
    {
        var shape = key == Depth || IsWidth(key);
        var parameter = shape ? null : Searchable.FirstOrDefault(p => p.Key == key);
        if (!shape && parameter is null)
            throw new ConfigException(
                $"{where}: not a parameter a search can vary; allowed: depth, width-1, width-2, ..., "
                    + string.Join(", ", Searchable.Select(p => p.Key))
            );
        if (spec.IsArray())
        {
            var items = spec.GetArray();
            if (items.Count == 0)
                throw new ConfigException($"{where}: an empty list of choices");
            var choices = items
                .Select(
                    (item, i) =>
                        parameter is null
                            ? (object)HoconText.Whole(item, $"{where}[{i}]", 1)
                            : parameter.Read(item, $"{where}[{i}]")
                )
                .ToArray();
            return new Dimension(key, DimensionKind.Categorical, 0, choices.Length - 1, false, choices, parameter);
        }
        if (!spec.IsObject())
            throw new ConfigException(
                $"{where}: expected {{ uniform = [min, max] }}, {{ log-uniform = [min, max] }} or a list of choices"
            );
        if (parameter is { IsNumeric: false })
            throw new ConfigException(
                $"{where}: {parameter.Path} takes no ranges; give a list of choices, e.g. [{parameter.ExampleChoices}]"
            );
        var fields = spec.GetObject().Items;
        foreach (var k in fields.Keys.Where(k => !Forms.Contains(k)))
            throw new ConfigException(
                $"{where}.{k}: unknown key; a range is uniform = [min, max] or log-uniform = [min, max]"
            );
        if (fields.Count != 1)
            throw new ConfigException($"{where}: give exactly one of uniform = [min, max], log-uniform = [min, max]");
        var form = fields.Keys.Single();
        var (min, max) = ValueForms.Bounds(fields[form], $"{where}.{form}");
        if (min >= max)
            throw new ConfigException(
                $"{where}.{form}: min {Show(min)} is not below max {Show(max)}; a range needs min < max"
            );
        var log = form == "log-uniform";
        if (log && min <= 0)
            throw new ConfigException($"{where}.{form}: log-uniform needs min > 0, got {Show(min)}");
        var whole = shape || parameter!.IsWhole;
        if (whole && (min != Math.Floor(min) || max != Math.Floor(max)))
            throw new ConfigException($"{where}.{form}: {key} takes whole numbers; got [{Show(min)}, {Show(max)}]");
        if (shape && min < 1)
            throw new ConfigException($"{where}.{form}: {key} must be at least 1, got {Show(min)}");
        if (parameter is not null)
            foreach (var end in new[] { min, max })
                parameter.FromNumber(end, $"{where}.{form}"); // each end must be a value the parameter allows
        return new Dimension(
            key,
            whole ? DimensionKind.Integer : DimensionKind.Continuous,
            min,
            max,
            log,
            [],
            parameter
        );
    }

    private static IEnumerable<Parameter> Searchable => Parameter.All.Where(p => p.Searchable);

    private static bool IsWidth(string key) => WidthIndex(key) >= 1;

    /// <summary>k of width-k (0 for any other key).</summary>
    private static int WidthIndex(string key) =>
        key.StartsWith(WidthPrefix, StringComparison.Ordinal)
        && int.TryParse(key[WidthPrefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var k)
            ? k
            : 0;

    private static int Whole(object value) => Convert.ToInt32(value, CultureInfo.InvariantCulture);

    /// <summary>Widths must be width-1 to width-K without gaps; a depth must be able to use them; hidden is then not searched directly.</summary>
    private void CheckShape(string where)
    {
        var widths = Dimensions.Select(d => WidthIndex(d.Key)).Where(k => k >= 1).Order().ToArray();
        var depth = Dimensions.FirstOrDefault(d => d.Key == Depth);
        if (widths.Length == 0)
        {
            if (depth is not null)
                throw new ConfigException(
                    $"{where}.{Depth}: a depth needs widths: add width-1, width-2, ... up to the largest depth"
                );
            return;
        }
        if (Dimensions.Any(d => d.Parameter == Parameter.Hidden))
            throw new ConfigException(
                $"{where}.{Parameter.Hidden.Key}: search either {Parameter.Hidden.Key} (a list of shapes) or depth and width-k, not both"
            );
        for (var k = 0; k < widths.Length; k++)
            if (widths[k] != k + 1)
                throw new ConfigException(
                    $"{where}.{WidthPrefix}{k + 1}: missing; widths go width-1, width-2, ... without gaps"
                );
        var deepest = depth is null ? widths.Length : (int)MaxValue(depth);
        if (deepest > widths.Length)
            throw new ConfigException(
                $"{where}.{Depth}: reaches {deepest} layers but only width-1 to width-{widths.Length} are given"
            );
        if (depth is not null && MinValue(depth) < 1)
            throw new ConfigException($"{where}.{Depth}: a network needs at least 1 hidden layer");
    }

    private static double MaxValue(Dimension d) => d.Kind == DimensionKind.Categorical ? d.Choices.Max(Whole) : d.Max;

    private static double MinValue(Dimension d) => d.Kind == DimensionKind.Categorical ? d.Choices.Min(Whole) : d.Min;

    /// <summary>The experiment sections hold one value per parameter; a searched one is not also fixed there; alpha needs batch norm.</summary>
    private void CheckConditions(string where)
    {
        foreach (var p in experiment!.Parameters.Where(p => p.Values.Count > 1))
            throw new ConfigException(
                $"{experiment.Source}: {p.Parameter.Path}: lists {p.Values.Count} values, "
                    + $"but a search stage varies only the keys of sweep.search.space; move it there (e.g. {p.Parameter.Key} = [...]) or give one value"
            );
        foreach (var conditional in Dimensions.Where(d => d.Parameter?.AppliesWhen is not null))
        {
            var (on, value) = conditional.Parameter!.AppliesWhen!.Value;
            var needs = $"{where}.{conditional.Key}: {conditional.Key} only matters with {on.Key} = {on.Format(value)}";
            var searched = Dimensions.FirstOrDefault(d => d.Parameter == on);
            var fixedValue = experiment.Parameters.FirstOrDefault(p => p.Parameter == on)?.Values[0];
            if (searched is null && !Equals(fixedValue ?? on.Default, value))
                throw new ConfigException(
                    $"{needs}, which is {on.Format(fixedValue ?? on.Default!)}{(fixedValue is null ? " by default" : "")} here; "
                        + $"search {on.Key} too, or set {on.Path} = {on.Format(value)}"
                );
            if (searched is not null && !searched.Choices.Contains(value))
                throw new ConfigException(
                    $"{needs}, and {where}.{on.Key} does not offer it; offer {on.Format(value)} too, or leave {conditional.Key} out"
                );
        }
    }

    /// <summary>Whether dimension i changes the run at this point (conditional dimensions may not).</summary>
    public bool IsActive(IReadOnlyList<double> point, int i)
    {
        var key = Dimensions[i].Key;
        if (Dimensions[i].Parameter?.AppliesWhen is var (on, value))
        {
            var b = Index(on.Key);
            return b < 0 || Equals(Dimensions[b].Choices[(int)point[b]], value);
        }
        if (IsWidth(key) && Index(Depth) is var d && d >= 0)
            return WidthIndex(key) <= Whole(Dimensions[d].Value(point[d]));
        return true;
    }

    private int Index(string key)
    {
        for (var i = 0; i < Dimensions.Count; i++)
            if (Dimensions[i].Key == key)
                return i;
        return -1;
    }

    /// <summary>The point with every inactive dimension at its lower end (its canonical form).</summary>
    public double[] Canonical(IReadOnlyList<double> point)
    {
        var result = point.ToArray();
        for (var i = 0; i < result.Length; i++)
            if (!IsActive(point, i))
                result[i] = Dimensions[i].Min;
        return result;
    }

    /// <summary>A point drawn uniformly (in log10 for log dimensions), canonical.</summary>
    public double[] Sample(Xoshiro256StarStar random) =>
        Canonical(
            Dimensions
                .Select(d =>
                    d.Kind == DimensionKind.Categorical ? random.Next(d.Choices.Count) : d.FromUnit(random.NextDouble())
                )
                .ToArray()
        );

    /// <summary>The experiment with this point's values set: one run.</summary>
    public ExperimentConfig Apply(IReadOnlyList<double> point)
    {
        var config = experiment ?? throw new InvalidOperationException("a synthetic space configures no run");
        int? depth = null;
        var widths = new SortedDictionary<int, int>();
        for (var i = 0; i < Dimensions.Count; i++)
        {
            var d = Dimensions[i];
            if (d.Key == Depth)
                depth = Whole(d.Value(point[i]));
            else if (IsWidth(d.Key))
                widths[WidthIndex(d.Key)] = Whole(d.Value(point[i]));
            else if (IsActive(point, i))
                config = config.WithValues(d.Parameter!, [d.Value(point[i])]);
        }
        if (widths.Count > 0)
            config = config.WithValues(Parameter.Hidden, [widths.Values.Take(depth ?? widths.Count).ToArray()]);
        return config;
    }

    /// <summary>Whether a run may take this point's values (e.g. eta-min must stay below eta-max).</summary>
    public bool Allows(IReadOnlyList<double> point)
    {
        if (experiment is null)
            return true;
        try
        {
            var run = Apply(point);
            run.Validate();
            return admits is null || admits(run.VariantAt(0).Config);
        }
        catch (ConfigException)
        {
            return false;
        }
    }

    private static string Show(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
}
