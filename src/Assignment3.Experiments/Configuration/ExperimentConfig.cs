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
public sealed record ExperimentConfig(string Name, string Source, DataOptions Data, IReadOnlyList<ParameterValues> Parameters)
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
        if (!root.IsObject()) throw new ConfigException($"{source}: expected an object at the top level");
        return root.GetObject().Items;
    }

    /// <summary>
    /// Reads the experiment part of a config. <paramref name="extraSections"/> are top-level keys
    /// another reader handles (the sweep section); <paramref name="samplingSeed"/> seeds random value forms.
    /// </summary>
    public static ExperimentConfig FromRoot(Dictionary<string, HoconValue> items, string source, IReadOnlyList<string> extraSections, int samplingSeed)
    {
        var allowed = Sections.Concat(extraSections).ToArray();
        foreach (var key in items.Keys.Where(k => !allowed.Contains(k)))
            throw new ConfigException($"{source}: {key}: unknown key; allowed at the top level: {string.Join(", ", allowed)}");

        var name = items.TryGetValue("name", out var n) && !n.IsObject() && !n.IsArray() ? n.GetString() : Path.GetFileNameWithoutExtension(source);
        var data = ReadData(items.GetValueOrDefault("data"), source);
        var config = new ExperimentConfig(name, source, data, ReadParameters(items, source, "", samplingSeed));
        config.Expand(); // validates every combination before anything runs
        return config;
    }

    /// <summary>The parameters set in the network and training sections of an object, in a fixed order.</summary>
    public static IReadOnlyList<ParameterValues> ReadParameters(IReadOnlyDictionary<string, HoconValue> items, string source, string prefix, int samplingSeed)
    {
        var values = new Dictionary<Parameter, ParameterValues>();
        foreach (var section in new[] { "network", "training" })
        {
            if (!items.TryGetValue(section, out var sectionValue)) continue;
            if (!sectionValue.IsObject()) throw new ConfigException($"{source}: {prefix}{section}: expected an object {{ ... }}");
            foreach (var (key, value) in sectionValue.GetObject().Items)
            {
                var parameter = Parameter.Find(section, key) ?? throw new ConfigException(
                    $"{source}: {prefix}{section}.{key}: unknown key; allowed in {section}: {string.Join(", ", Parameter.All.Where(p => p.Section == section).Select(p => p.Key))}");
                values[parameter] = new ParameterValues(parameter, ReadValues(parameter, value, $"{source}: {prefix}{parameter.Path}", samplingSeed));
            }
        }
        return Parameter.All.Where(values.ContainsKey).Select(p => values[p]).ToArray();
    }

    /// <summary>The same experiment with one parameter fixed to a single value (a command-line override).</summary>
    public ExperimentConfig With(string path, object value) => WithValues(Parameter.Get(path), [value]);

    /// <summary>The same experiment with a parameter's values replaced.</summary>
    public ExperimentConfig WithValues(Parameter parameter, IReadOnlyList<object> values)
    {
        var kept = Parameters.Where(p => p.Parameter != parameter).Append(new ParameterValues(parameter, values));
        return this with { Parameters = Parameter.All.Select(p => kept.FirstOrDefault(k => k.Parameter == p)).OfType<ParameterValues>().ToArray() };
    }

    /// <summary>Every combination of the parameters' values, in a fixed order, each validated.</summary>
    public IReadOnlyList<Variant> Expand()
    {
        IEnumerable<(TrainingConfig Config, ExperimentConfig Resolved, string Name)> variants = [(new TrainingConfig(), this, "")];
        foreach (var (parameter, values) in Parameters)
        {
            variants = values.Count == 1
                ? variants.Select(v => (parameter.Apply(v.Config, values[0]), v.Resolved, v.Name))
                : variants.SelectMany(v => values.Select(value => (
                    parameter.Apply(v.Config, value),
                    v.Resolved.With(parameter.Path, value),
                    $"{v.Name}{(v.Name.Length == 0 ? "" : "_")}{parameter.Key}-{parameter.Format(value)}")));
        }
        var result = variants.Select(v => new Variant(v.Name.Length == 0 ? Name : v.Name, v.Config, v.Resolved)).ToArray();
        foreach (var variant in result)
        {
            try { variant.Config.Validate(); }
            catch (ArgumentException e) { throw new ConfigException($"{Source}: {e.Message}", e); }
        }
        return result;
    }

    /// <summary>The config as HOCON, with every override applied.</summary>
    public string ToHocon()
    {
        var text = new StringBuilder();
        text.AppendLine($"name = \"{Name}\"");
        text.AppendLine($"data {{ split = {(Data.Split == SplitKind.All ? "all" : "batch1")}, validation-size = {Data.ValidationSize.ToString(CultureInfo.InvariantCulture)} }}");
        foreach (var section in Parameters.GroupBy(p => p.Parameter.Section))
        {
            text.AppendLine($"{section.Key} {{");
            foreach (var (parameter, values) in section)
            {
                var formatted = values.Select(parameter.Format).ToArray();
                text.AppendLine($"  {parameter.Key} = {(values.Count == 1 ? formatted[0] : $"[{string.Join(", ", formatted)}]")}");
            }
            text.AppendLine("}");
        }
        return text.ToString();
    }

    private static IReadOnlyList<object> ReadValues(Parameter parameter, HoconValue value, string where, int samplingSeed)
    {
        if (value.IsObject()) return ValueForms.Read(parameter, value.GetObject().Items, where, samplingSeed);
        var isList = value.IsArray();
        var alternatives = parameter.IsListValued ? isList && value.GetArray().Count > 0 && value.GetArray()[0].IsArray() : isList;
        if (!alternatives) return [parameter.Read(value, where)];
        var items = value.GetArray();
        if (items.Count == 0) throw new ConfigException($"{where}: empty list of alternatives; expected {parameter.Allowed}");
        return items.Select((item, i) => parameter.Read(item, $"{where}[{i}]")).ToArray();
    }

    private static DataOptions ReadData(HoconValue? value, string source)
    {
        if (value is null) return new DataOptions();
        if (!value.IsObject()) throw new ConfigException($"{source}: data: expected an object {{ split = ..., validation-size = ... }}");
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
                        _ => throw new ConfigException($"{source}: data.split: '{text}' is not allowed; expected all (five batches, validation held out) or batch1 (batch 1 train, batch 2 validation)"),
                    },
                },
                "validation-size" => options with
                {
                    ValidationSize = int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var size) && size >= 1
                        ? size
                        : throw new ConfigException($"{source}: data.validation-size: '{text}' is not allowed; expected a whole number >= 1"),
                },
                _ => throw new ConfigException($"{source}: data.{key}: unknown key; allowed in data: split, validation-size"),
            };
        }
        return options;
    }
}
