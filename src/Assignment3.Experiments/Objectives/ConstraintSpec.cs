using System.Globalization;
using Assignment3.Core.Training;
using Assignment3.Experiments.Configuration;
using Assignment3.Experiments.Sweeps;

namespace Assignment3.Experiments.Objectives;

/// <summary>
/// A bound on a metric or on the difference of two: <c>"parameters &lt;= 60000"</c>, <c>"train-accuracy -
/// validation-accuracy &lt;= 0.08"</c>. On metrics known before training it filters configurations; on results it
/// marks a trial infeasible (never on the front, never the best).
/// </summary>
public sealed record ConstraintSpec(Metric Left, Metric? Right, bool AtMost, double Bound, string Text)
{
    /// <summary>Whether the trial's config alone decides it.</summary>
    public bool KnownBeforeTraining => Left.KnownBeforeTraining && Right?.KnownBeforeTraining != false;

    public IEnumerable<Metric> Metrics => Right is null ? [Left] : [Left, Right];

    /// <summary>How far the value is past the bound: met at or below 0.</summary>
    public double Excess(double value) => AtMost ? value - Bound : Bound - value;

    /// <summary>The constrained value of a trial (NaN when a metric has none).</summary>
    public double Value(Trial trial) => Left.Of(trial) - (Right?.Of(trial) ?? 0);

    /// <summary>The constrained value of a trial after <paramref name="step"/> steps (a rung; NaN when a metric has none there).</summary>
    public double ValueAt(Trial trial, int step) => Left.At(trial, step) - (Right?.At(trial, step) ?? 0);

    /// <summary>Whether the config meets it (only for constraints <see cref="KnownBeforeTraining"/>).</summary>
    public bool Admits(TrainingConfig config) => Excess(Left.Before(config) - (Right?.Before(config) ?? 0)) <= 0;

    public override string ToString() => Text;

    /// <summary>Reads "metric [- metric] &lt;= or &gt;= number"; refused naming <paramref name="where"/>.</summary>
    public static ConstraintSpec Parse(string text, string where)
    {
        var form =
            $"expected \"metric <= number\", \"metric >= number\" or \"metric - metric <= number\"; metrics: "
            + string.Join(", ", Metric.All.Select(m => m.Name));
        var at =
            text.IndexOf("<=", StringComparison.Ordinal) is >= 0 and var le ? (le, true)
            : text.IndexOf(">=", StringComparison.Ordinal) is >= 0 and var ge ? (ge, false)
            : (-1, false);
        if (at.Item1 < 0)
            throw new ConfigException(
                $"{where}: '{ConfigException.Excerpt(text)}' has no comparison (a bound a trial may reach: <= or >=); {form}"
            );
        var (left, right) = Sides(text[..at.Item1].Trim(), where, form);
        var number = text[(at.Item1 + 2)..].Trim();
        if (
            !double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var bound)
            || !double.IsFinite(bound)
        )
            throw new ConfigException($"{where}: '{ConfigException.Excerpt(number)}' is not a number; {form}");
        return new ConstraintSpec(left, right, at.Item2, bound, text.Trim());
    }

    private static (Metric, Metric?) Sides(string side, string where, string form)
    {
        if (Metric.Named(side) is { } alone)
            return (alone, null);
        foreach (var first in Metric.All.Where(m => side.StartsWith(m.Name, StringComparison.Ordinal)))
        {
            var rest = side[first.Name.Length..].TrimStart();
            if (rest.StartsWith('-') && Metric.Named(rest[1..].Trim()) is { } second)
                return second == first
                    ? throw new ConfigException($"{where}: '{side}' subtracts {first.Name} from itself; {form}")
                    : (first, second);
        }
        throw new ConfigException(
            $"{where}: '{ConfigException.Excerpt(side)}' is not a metric or a difference of two; {form}"
        );
    }
}
