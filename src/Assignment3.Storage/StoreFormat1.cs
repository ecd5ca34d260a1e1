using System.Text.Json;
using Assignment3.Experiments.Sweeps;
using Microsoft.Data.Sqlite;

namespace Assignment3.Storage;

/// <summary>
/// Reads the events of a format-1 store (a3 before format 2: one column per field, no checksums, no
/// requeue events) as today's events, so a3 report and a3 status show old sweeps too.
/// </summary>
internal static class StoreFormat1
{
    public static List<SweepEvent> Events(SqliteConnection connection, string path)
    {
        var events = new List<SweepEvent>();
        var running = new Dictionary<int, int>(); // trial -> attempt handed out and not yet recorded
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, kind, stage, trial, attempt, node, outcome, at FROM events ORDER BY seq";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var (seq, kind) = (reader.GetInt64(0), reader.GetString(1));
            var at = reader.IsDBNull(7)
                ? DateTime.MinValue
                : DateTime.Parse(reader.GetString(7), null, System.Globalization.DateTimeStyles.RoundtripKind);
            try
            {
                switch (kind)
                {
                    case "stage-planned":
                        events.Add(new StageOpened(reader.GetString(2)) { At = at });
                        break;
                    case "trial-started":
                    {
                        var (trial, attempt) = (reader.GetInt32(3), reader.GetInt32(4));
                        // Format 1 did not record why a trial was handed out again; its worker was lost.
                        if (running.TryGetValue(trial, out var previous))
                            events.Add(
                                new TrialRequeued(trial, previous, "handed out again", Charged: true) { At = at }
                            );
                        running[trial] = attempt;
                        events.Add(new TrialStarted(trial, attempt, reader.GetString(5), "", 0, 0) { At = at });
                        break;
                    }
                    case "trial-recorded":
                    {
                        var trial = reader.GetInt32(3);
                        running.Remove(trial);
                        var outcome = JsonSerializer.Deserialize<TrialOutcome>(reader.GetString(6), Json.Options)
                            ?? throw new JsonException("empty result");
                        events.Add(
                            new TrialRecorded(trial, reader.GetInt32(4), reader.GetString(5), outcome) { At = at }
                        );
                        break;
                    }
                    case "sweep-completed":
                        events.Add(new SweepCompleted { At = at });
                        break;
                    default:
                        throw new StoreException($"{path}: event {seq}: unknown kind '{kind}'; nothing was changed");
                }
            }
            catch (Exception e)
                when (e is JsonException or InvalidCastException or InvalidOperationException or FormatException)
            {
                throw new StoreException(
                    $"{path}: event {seq} ({kind}) is damaged: {e.Message}; nothing was changed",
                    e
                );
            }
        }
        return events;
    }
}
