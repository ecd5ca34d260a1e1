using System.Globalization;
using System.Text;
using Akka.Configuration.Hocon;
using Assignment3.Core.Data;
using Assignment3.Core.Training;

namespace Assignment3.Experiments.Configuration;

/// <summary>The values a config gives one parameter: one value, or a list of alternatives.</summary>
public sealed record ParameterValues(Parameter Parameter, IReadOnlyList<object> Values);

/// <summary>
/// One training run of an experiment: its name (from the parameters that vary), its training
/// config, and the experiment config narrowed to it (every varying parameter fixed).
/// </summary>
public sealed record Variant(string Name, TrainingConfig Config, ExperimentConfig Resolved);

/// <summary>
/// An experiment config (HOCON, in configs/): name, data split and training parameters. Any
/// parameter may hold a list of alternatives; the experiment's runs are their Cartesian product.
/// <code>
/// name = three-layer
/// data { split = all, validation-size = 5000 }
/// network { hidden = [50, 50], batch-norm = [false, true], init = he }
/// training { lambda = 0.005, batch-size = 100, eta-min = 1e-5, eta-max = 1e-1, step-size = 2250, cycles = 2 }
/// </code>
/// </summary>
public sealed record ExperimentConfig(
    string Name,
    string Source,
    DataOptions Data,
    IReadOnlyList<ParameterValues> Parameters
)
{
    /// <summary>The report's recipe with batch norm, for runs without a config file.</summary>
    public static readonly ExperimentConfig Default = new("train", "(defaults)", new DataOptions(), []);

    private static readonly string[] Sections = ["name", "data", "network", "training"];

    public static ExperimentConfig Parse(string text, string source) =>
        FromRoot(RootObject(text, source), source, extraSections: [], samplingSeed: 1);

    /// <summary>The top-level object of a HOCON text.</summary>
    public static Dictionary<string, HoconValue> RootObject(string text, string source)
    {
        var root = HoconText.Parse(text, source).Root;
        if (!root.IsObject())
            throw new ConfigException($"{source}: expected an object at the top level");
        return root.GetObject().Items;
    }

    /// <summary>
    /// Reads the experiment part of a config. <paramref name="extraSections"/> are top-level keys
    /// another reader handles (the sweep section); <paramref name="samplingSeed"/> seeds random value forms.
    /// </summary>
    public static ExperimentConfig FromRoot(
        Dictionary<string, HoconValue> items,
        string source,
        IReadOnlyList<string> extraSections,
        int samplingSeed
    )
    {
        var allowed = Sections.Concat(extraSections).ToArray();
        foreach (var key in items.Keys.Where(k => !allowed.Contains(k)))
            throw new ConfigException(
                $"{source}: {key}: unknown key; allowed at the top level: {string.Join(", ", allowed)}"
            );

        var name = ReadName(items.GetValueOrDefault("name"), source);
        var data = ReadData(items.GetValueOrDefault("data"), source);
        var config = new ExperimentConfig(name, source, data, ReadParameters(items, source, "", samplingSeed));
        config.Validate();
        return config;
    }

    /// <summary>The parameters set in the network and training sections of an object, in a fixed order.</summary>
    public static IReadOnlyList<ParameterValues> ReadParameters(
        IReadOnlyDictionary<string, HoconValue> items,
        string source,
        string prefix,
        int samplingSeed
    )
    {
        var values = new Dictionary<Parameter, ParameterValues>();
        foreach (var section in new[] { "network", "training" })
        {
            if (!items.TryGetValue(section, out var sectionValue))
                continue;
            if (!sectionValue.IsObject())
                throw new ConfigException($"{source}: {prefix}{section}: expected an object {{ ... }}");
            foreach (var (key, value) in sectionValue.GetObject().Items)
            {
                var parameter = Parameter.Find(section, key)
                    ?? throw new ConfigException(
                        $"{source}: {prefix}{section}.{key}: unknown key; allowed in {section}: "
                            + $"{string.Join(", ", Parameter.All.Where(p => p.Section == section).Select(p => p.Key))}"
                    );
                values[parameter] = new ParameterValues(
                    parameter,
                    ReadValues(parameter, value, $"{source}: {prefix}{parameter.Path}", samplingSeed)
                );
            }
        }
        return Parameter.All.Where(values.ContainsKey).Select(p => values[p]).ToArray();
    }

    /// <summary>The same experiment with one parameter fixed to a single value (a command-line override).</summary>
    public ExperimentConfig With(Parameter parameter, object value) => WithValues(parameter, [value]);

    /// <summary>The same experiment with a parameter's values replaced.</summary>
    public ExperimentConfig WithValues(Parameter parameter, IReadOnlyList<object> values)
    {
        var kept = Parameters.Where(p => p.Parameter != parameter).Append(new ParameterValues(parameter, values));
        return this with
        {
            Parameters = Parameter
                .All.Select(p => kept.FirstOrDefault(k => k.Parameter == p))
                .OfType<ParameterValues>()
                .ToArray(),
        };
    }

    /// <summary>Runs the config describes: the product of every parameter's number of values.</summary>
    public long VariantCount =>
        Parameters.Aggregate(1L, (product, p) =>
            product > long.MaxValue / p.Values.Count ? long.MaxValue : product * p.Values.Count
        );

    /// <summary>Runs <c>a3 train</c> trains one after another from one config (a sweep has no such limit).</summary>
    public const int MaxExpandedVariants = 1000;

    /// <summary>Every combination of the parameters' values, in a fixed order (the first parameter varies slowest).</summary>
    public IReadOnlyList<Variant> Expand()
    {
        if (VariantCount > MaxExpandedVariants)
            throw new ConfigException(
                $"{Source}: the config describes {VariantCount:N0} runs; a3 train runs at most {MaxExpandedVariants:N0} (run it as a sweep: a3 sweep {Source})"
            );
        var result = new Variant[VariantCount];
        for (var i = 0; i < result.Length; i++)
            result[i] = VariantAt(i);
        return result;
    }

    /// <summary>
    /// The run at <paramref name="index"/> of <see cref="Expand"/>'s order, computed without the
    /// others (a sweep's grid can be large): index digits in mixed radix, the last parameter fastest.
    /// </summary>
    public Variant VariantAt(long index)
    {
        if (index < 0 || index >= VariantCount)
            throw new ArgumentOutOfRangeException(nameof(index), $"run {index} of {VariantCount}");
        var choices = new int[Parameters.Count];
        for (var p = Parameters.Count - 1; p >= 0; p--)
        {
            var count = Parameters[p].Values.Count;
            choices[p] = (int)(index % count);
            index /= count;
        }
        var (config, resolved, name) = (new TrainingConfig(), this, "");
        for (var p = 0; p < Parameters.Count; p++)
        {
            var (parameter, values) = Parameters[p];
            var value = values[choices[p]];
            config = parameter.Apply(config, value);
            if (values.Count == 1)
                continue;
            resolved = resolved.With(parameter, value);
            name = $"{name}{(name.Length == 0 ? "" : "_")}{parameter.Key}-{parameter.Format(value)}";
        }
        return new Variant(name.Length == 0 ? Name : name, config, resolved);
    }

    /// <summary>
    /// Checks every run without enumerating them: each value was range-checked when read, so what is
    /// left are the rules between parameters (eta-min at most eta-max, update steps, network size),
    /// and one combination is the worst for each of them.
    /// </summary>
    public void Validate()
    {
        var worst = new TrainingConfig();
        foreach (var (parameter, values) in Parameters)
        {
            worst = parameter.Apply(worst, parameter.WorstOf(values, worst));
        }
        try
        {
            worst.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ConfigException($"{Source}: {e.Message}", e);
        }
    }

    /// <summary>The config as HOCON, with every override applied.</summary>
    public string ToHocon()
    {
        var text = new StringBuilder();
        text.AppendLine($"name = \"{Name}\"");
        text.AppendLine(
            $"data {{ split = {(Data.Split == SplitKind.All ? "all" : "batch1")}, "
                + $"validation-size = {Data.ValidationSize.ToString(CultureInfo.InvariantCulture)} }}"
        );
        foreach (var section in Parameters.GroupBy(p => p.Parameter.Section))
        {
            text.AppendLine($"{section.Key} {{");
            foreach (var (parameter, values) in section)
            {
                var formatted = values.Select(parameter.Format).ToArray();
                text.AppendLine(
                    $"  {parameter.Key} = {(values.Count == 1 ? formatted[0] : $"[{string.Join(", ", formatted)}]")}"
                );
            }
            text.AppendLine("}");
        }
        return text.ToString();
    }

    private static IReadOnlyList<object> ReadValues(
        Parameter parameter,
        HoconValue value,
        string where,
        int samplingSeed
    )
    {
        if (value.IsObject())
            return ValueForms.Read(parameter, value.GetObject().Items, where, samplingSeed);
        var isList = value.IsArray();
        var alternatives = parameter.IsListValued
            ? isList && value.GetArray().Count > 0 && value.GetArray()[0].IsArray()
            : isList;
        if (!alternatives)
            return [parameter.Read(value, where)];
        var items = value.GetArray();
        if (items.Count == 0)
            throw new ConfigException($"{where}: empty list of alternatives; expected {parameter.Allowed}");
        // A value listed twice would be the same run twice.
        return items.Select((item, i) => parameter.Read(item, $"{where}[{i}]")).DistinctBy(parameter.Format).ToArray();
    }

    private static string ReadName(HoconValue? value, string source)
    {
        if (value is null)
            return Path.GetFileNameWithoutExtension(source);
        var name = value.IsObject() || value.IsArray() ? null : value.GetString()?.Trim();
        if (string.IsNullOrEmpty(name) || name.Any(c => char.IsControl(c) || c is '/' or '\\'))
            throw new ConfigException(
                $"{source}: name: expected a plain name such as lambda-coarse, got "
                    + $"{(value.IsObject() ? "an object" : value.IsArray() ? "a list" : $"'{ConfigException.Excerpt(name ?? "")}'")}"
            );
        return name;
    }

    private static DataOptions ReadData(HoconValue? value, string source)
    {
        if (value is null)
            return new DataOptions();
        if (!value.IsObject())
            throw new ConfigException($"{source}: data: expected an object {{ split = ..., validation-size = ... }}");
        var options = new DataOptions();
        foreach (var (key, item) in value.GetObject().Items)
        {
            var text = item.IsArray() || item.IsObject() ? null : item.GetString()?.Trim();
            options = key switch
            {
                "split" => options with
                {
                    Split = text switch
                    {
                        "all" => SplitKind.All,
                        "batch1" => SplitKind.Batch1,
                        _ => throw new ConfigException(
                            $"{source}: data.split: '{text}' is not allowed; expected "
                                + $"all (five batches, validation held out) or batch1 (batch 1 train, batch 2 validation)"
                        ),
                    },
                },
                "validation-size" => options with
                {
                    ValidationSize = HoconText.Whole(item, $"{source}: data.validation-size", 1),
                },
                _ => throw new ConfigException(
                    $"{source}: data.{key}: unknown key; allowed in data: split, validation-size"
                ),
            };
        }
        return options;
    }
}
