namespace Assignment3.Tests.Support;

/// <summary>One row of trials.csv, read by column name.</summary>
public sealed class TrialsRow(IReadOnlyDictionary<string, string> cells)
{
    public string this[string column] =>
        cells.TryGetValue(column, out var v) ? v : throw new KeyNotFoundException($"trials.csv has no column {column}");
    public int Trial => int.Parse(this["trial"]);
    public string Status => this["status"];
    public string Node => this["node"];
    public IReadOnlyDictionary<string, string> Cells => cells;
}

/// <summary>Reads what a sweep leaves in its folder, by header and file name, never by position.</summary>
public static class SweepFiles
{
    /// <summary>trials.csv's rows (empty while it does not exist yet).</summary>
    public static IReadOnlyList<TrialsRow> Trials(string folder)
    {
        var path = Path.Combine(folder, "trials.csv");
        if (!File.Exists(path))
            return [];
        var lines = File.ReadAllLines(path);
        var header = Cells(lines[0]);
        return lines
            .Skip(1)
            .Select(line =>
            {
                var cells = Cells(line);
                return new TrialsRow(
                    header
                        .Select((name, i) => (name, value: i < cells.Length ? cells[i] : ""))
                        .ToDictionary(c => c.name, c => c.value)
                );
            })
            .ToArray();
    }

    /// <summary>A CSV line's cells: split on commas outside double quotes (a searched shape is "[15, 40]"), quotes removed.</summary>
    public static string[] Cells(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '"' && quoted && i + 1 < line.Length && line[i + 1] == '"')
                cell.Append(line[++i]);
            else if (c == '"')
                quoted = !quoted;
            else if (c == ',' && !quoted)
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
                cell.Append(c);
        }
        cells.Add(cell.ToString());
        return cells.ToArray();
    }

    public static string Table(string folder, string stage = "coarse") =>
        File.ReadAllText(Path.Combine(folder, $"table-{stage}.md"));

    public static string Rungs(string folder, string stage = "coarse") =>
        File.ReadAllText(Path.Combine(folder, $"rungs-{stage}.md"));

    /// <summary>Every trial appears once, completed or stopped early by its stage's policy.</summary>
    public static void AssertEveryTrialOnceFinal(string folder, int trials)
    {
        var rows = Trials(folder);
        Assert.Equal(trials, rows.Count);
        Assert.Equal(trials, rows.Select(r => r.Trial).Distinct().Count());
        Assert.All(rows, r => Assert.Contains(r.Status, new[] { "completed", "stopped" }));
    }

    /// <summary>Every trial appears once and all of them completed.</summary>
    public static void AssertEveryTrialOnceCompleted(string folder, int trials)
    {
        var rows = Trials(folder);
        Assert.Equal(trials, rows.Count);
        Assert.Equal(trials, rows.Select(r => r.Trial).Distinct().Count());
        Assert.All(rows, r => Assert.Equal("completed", r.Status));
    }
}
