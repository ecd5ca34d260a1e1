using System.ComponentModel;
using System.Globalization;

namespace Assignment3.Cli.Terminal;

/// <summary>
/// Converters for numeric flags: a value that is not a number is refused with what was expected
/// (<see cref="Errors"/> adds the flag's name), not with the type system's name for it.
/// </summary>
public sealed class WholeNumberConverter : TypeConverter
{
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) =>
        sourceType == typeof(string);

    public override object ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        int.TryParse((string)value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new FormatException($"'{Errors.Excerpt((string)value)}' is not a whole number");
}

public sealed class NumberConverter : TypeConverter
{
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) =>
        sourceType == typeof(string);

    public override object ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        double.TryParse((string)value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
        && double.IsFinite(v)
            ? v
            : throw new FormatException($"'{Errors.Excerpt((string)value)}' is not a number");
}
