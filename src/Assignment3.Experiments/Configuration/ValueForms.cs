using System.Globalization;
using Akka.Configuration.Hocon;
using Assignment3.Core.Network;
using Assignment3.Core.Randomness;

namespace Assignment3.Experiments.Configuration;

/// <summary>
/// Ranges a numeric parameter may be given as, each with a count:
/// <c>{ grid = [min, max], count = n }</c>, <c>{ log-grid = [min, max], count = n }</c> (evenly spaced
/// in log10), <c>{ uniform = [min, max], count = n }</c> and <c>{ log-uniform = [min, max], count = n }</c>
/// (random samples, seeded by the sweep seed and the parameter).
/// </summary>
public static class ValueForms
{
    private static readonly string[] Forms = ["grid", "log-grid", "uniform", "log-uniform"];

    public static IReadOnlyList<object> Read(
        Parameter parameter,
        IReadOnlyDictionary<string, HoconValue> spec,
        string where,
        int samplingSeed
    )
    {
        if (!parameter.IsNumeric)
            throw new ConfigException(
                $"{where}: ranges are for numeric parameters; give {parameter.Allowed}, or a list of them"
            );
        foreach (var key in spec.Keys.Where(k => !Forms.Contains(k) && k != "count"))
            throw new ConfigException(
                $"{where}.{key}: unknown key; a range is one of {string.Join(", ", Forms)} = [min, max] with count = n"
            );
        var forms = Forms.Where(spec.ContainsKey).ToArray();
        if (forms.Length != 1)
            throw new ConfigException(
                $"{where}: give exactly one of {string.Join(", ", Forms)} = [min, max], with count = n"
            );
        var form = forms[0];
        var (min, max) = Bounds(spec[form], $"{where}.{form}");
        if (min > max)
            throw new ConfigException($"{where}.{form}: min {Format(min)} is above max {Format(max)}");
        var log = form.StartsWith("log-", StringComparison.Ordinal);
        if (log && !(min > 0))
            throw new ConfigException($"{where}.{form}: log ranges need min > 0, got {Format(min)}");
        if (!spec.TryGetValue("count", out var countValue))
            throw new ConfigException($"{where}: count is missing; say how many values, e.g. count = 8");
        var count = HoconText.Whole(countValue, $"{where}.count", 1);

        var numbers = form is "grid" or "log-grid"
            ? Grid(min, max, count, log)
            : Samples(min, max, count, log, new Xoshiro256StarStar((ulong)SamplingSeed(samplingSeed, parameter.Path)));
        return numbers.Select(v => parameter.FromNumber(v, where)).DistinctBy(parameter.Format).ToArray();
    }

    /// <summary>count values evenly spaced from min to max, in log10 when <paramref name="log"/>.</summary>
    public static double[] Grid(double min, double max, int count, bool log)
    {
        if (count == 1)
            return [log ? Math.Sqrt(min * max) : (min + max) / 2];
        var (a, b) = log ? (Math.Log10(min), Math.Log10(max)) : (min, max);
        return Enumerable
            .Range(0, count)
            .Select(i =>
            {
                var v = a + (b - a) * i / (count - 1);
                return log ? Math.Pow(10, v) : v;
            })
            .ToArray();
    }

    private static double[] Samples(double min, double max, int count, bool log, Xoshiro256StarStar random)
    {
        var (a, b) = log ? (Math.Log10(min), Math.Log10(max)) : (min, max);
        return Enumerable
            .Range(0, count)
            .Select(_ =>
            {
                var v = a + (b - a) * random.NextDouble();
                return log ? Math.Pow(10, v) : v;
            })
            .ToArray();
    }

    /// <summary>A stable seed from the sweep seed and a name (HashCode is randomized per process).</summary>
    public static int SamplingSeed(int seed, string name) => Xoshiro256StarStar.StableSeed(seed, name);

    /// <summary>A range's <c>[min, max]</c>, both finite numbers (their order is the caller's to check).</summary>
    public static (double Min, double Max) Bounds(HoconValue bounds, string where)
    {
        if (!bounds.IsArray() || bounds.GetArray().Count != 2)
            throw new ConfigException($"{where}: expected [min, max]");
        return (Number(bounds.GetArray()[0], $"{where}[0]"), Number(bounds.GetArray()[1], $"{where}[1]"));
    }

    /// <summary>A finite number, or an error naming <paramref name="where"/> and the text.</summary>
    public static double Number(HoconValue value, string where)
    {
        var text = value.IsArray() || value.IsObject() ? "" : value.GetString()?.Trim();
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v
            : throw new ConfigException($"{where}: '{text}' is not a number");
    }

    private static string Format(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
}
