using System.Globalization;
using Akka.Configuration.Hocon;

namespace Assignment3.Experiments.Configuration;

/// <summary>
/// One numeric setting of a kind a config names (a schedule's policy, a search method): its key, default,
/// least and greatest value, whether it must be whole, and where the default comes from.
/// </summary>
public sealed record SettingKey(string Name, double Default, double Minimum, bool Whole = true)
{
    public double Maximum { get; init; } = double.PositiveInfinity;

    /// <summary>Where the default comes from (a paper, Optuna's default, our own measurement).</summary>
    public string Source { get; init; } = "";
}

/// <summary>The settings a config gave for one kind, each read back with its default when not given.</summary>
public sealed record Settings(IReadOnlyList<SettingKey> Keys, IReadOnlyDictionary<string, double> Given)
{
    public static Settings Defaults(IReadOnlyList<SettingKey> keys) => new(keys, new Dictionary<string, double>());

    /// <summary>A setting (its default when the config did not give it).</summary>
    public double Value(string key) =>
        Given.TryGetValue(key, out var v)
            ? v
            : Keys.FirstOrDefault(k => k.Name == key)?.Default ?? throw new ArgumentException($"no setting {key}");

    /// <summary>A whole-number setting.</summary>
    public int Whole(string key) => (int)Value(key);

    /// <summary>
    /// The settings among <paramref name="items"/> (a config object at <paramref name="where"/>) that <paramref name="keys"/>
    /// name, each checked: a number, whole where it must be, within its bounds. Other items are the caller's to check.
    /// </summary>
    public static Settings Read(
        IReadOnlyDictionary<string, HoconValue> items,
        IReadOnlyList<SettingKey> keys,
        string where
    )
    {
        var given = new Dictionary<string, double>();
        foreach (var key in keys)
        {
            if (!items.TryGetValue(key.Name, out var v))
                continue;
            var text = HoconText.Scalar(v);
            var number =
                key.Whole ? HoconText.Whole(v, $"{where}.{key.Name}", (int)key.Minimum)
                : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                && double.IsFinite(d)
                && d >= key.Minimum
                    ? d
                : throw new ConfigException(
                    $"{where}.{key.Name}: '{text}' is not allowed; expected a number >= {Show(key.Minimum)}"
                );
            if (number > key.Maximum)
                throw new ConfigException($"{where}.{key.Name}: {text} is too large; at most {Show(key.Maximum)}");
            given[key.Name] = number;
        }
        return new Settings(keys, given);
    }

    private static string Show(double v) => v.ToString(CultureInfo.InvariantCulture);
}
