using System.Globalization;

namespace Assignment3.Storage;

/// <summary>Minimal RFC 4180 writing: numbers in invariant culture, text quoted when it needs to be.</summary>
public static class Csv
{
    public static string Row(IEnumerable<object?> cells) => string.Join(",", cells.Select(Cell));

    /// <summary>Writes the file row by row (trials.csv of a large sweep is tens of MB as one string).</summary>
    public static void Write(string path, IEnumerable<string> header, IEnumerable<IEnumerable<object?>> rows) =>
        AtomicFile.Write(path, writer =>
        {
            writer.WriteLine(string.Join(",", header));
            foreach (var row in rows)
                writer.WriteLine(Row(row));
        });

    private static string Cell(object? value) =>
        value switch
        {
            null => "",
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            float f => f.ToString("R", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => Quote(value.ToString() ?? ""),
        };

    private static string Quote(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : $"\"{s.Replace("\"", "\"\"")}\"";
}
