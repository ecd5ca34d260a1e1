using System.Globalization;

namespace Assignment3.Experiments.Text;

/// <summary>
/// Numbers as people read them, the same in tables, legends, the terminal and the report: 3
/// significant digits, fixed between 0.01 and 100,000 (0.557, 0.0178, 2250), otherwise with an
/// exponent (3.73e-05). CSV and JSON keep full precision.
/// </summary>
public static class Readable
{
    public static string Number(double value)
    {
        if (!double.IsFinite(value))
            return value.ToString(CultureInfo.InvariantCulture);
        if (value == 0)
            return "0";
        var rounded = double.Parse(value.ToString("G3", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var magnitude = Math.Abs(rounded);
        if (magnitude is < 1e-2 or >= 1e5)
            return rounded.ToString("0.00e+00", CultureInfo.InvariantCulture);
        var decimals = Math.Max(0, 2 - (int)Math.Floor(Math.Log10(magnitude)));
        return rounded.ToString("F" + decimals, CultureInfo.InvariantCulture);
    }

    /// <summary>A parameter's value as stored (exact text): fractional numbers as <see cref="Number"/>, anything else as it is.</summary>
    public static string Value(string value) =>
        value.Any(c => c is '.' or 'E' or 'e')
        && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? Number(v)
            : value;
}
