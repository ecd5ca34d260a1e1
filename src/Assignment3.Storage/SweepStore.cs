using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Assignment3.Storage;

/// <summary>A problem with a sweep store: the message names the file and what is wrong.</summary>
public sealed class StoreException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What a store says about a sweep so far.</summary>
/// <param name="Stages">Stages planned, in order.</param>
/// <param name="Attempts">Hand-outs per trial.</param>
/// <param name="Recorded">Final results: trial to (attempts, node, outcome as JSON).</param>
public sealed record StoredSweep(
    IReadOnlyList<string> Stages,
    IReadOnlyDictionary<int, int> Attempts,
    IReadOnlyDictionary<int, (int Attempts, string Node, string Outcome)> Recorded,
    bool Completed);

/// <summary>
/// The coordinator's journal of a sweep (sweep.db in the output folder, SQLite): every state change
/// is appended, in its own transaction, before the coordinator acts on it. Only the coordinator
/// writes, so there is never lock contention however many workers run.
/// </summary>
public sealed class SweepStore : IDisposable
{
    public const string FileName = "sweep.db";
    private const string Format = "a3-sweep-store";
    private const string Version = "1";
    private readonly SqliteConnection connection;

    private SweepStore(SqliteConnection connection, string path)
    {
        this.connection = connection;
        Path = path;
    }

    public string Path { get; }

    /// <summary>A new store for a sweep whose config text is <paramref name="configText"/>.</summary>
    public static SweepStore Create(string folder, string configText)
    {
        var path = System.IO.Path.Combine(folder, FileName);
        if (File.Exists(path)) throw new StoreException($"{path}: a sweep store already exists; continue it with a3 sweep --resume {folder}");
        var store = new SweepStore(Open(path, SqliteOpenMode.ReadWriteCreate), path);
        store.Execute("""
            PRAGMA journal_mode = WAL;
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE events (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                kind TEXT NOT NULL, stage TEXT, trial INTEGER, attempt INTEGER, node TEXT, outcome TEXT,
                at TEXT NOT NULL);
            """);
        foreach (var (key, value) in new[] { ("format", Format), ("version", Version), ("config-sha256", Hash(configText)) })
            store.Execute("INSERT INTO meta (key, value) VALUES ($key, $value)", ("$key", key), ("$value", value));
        return store;
    }

    /// <summary>
    /// The store of an interrupted sweep, checked before anything is written: it must be an a3 sweep
    /// store of this format version, made for exactly this config.
    /// </summary>
    public static SweepStore OpenForResume(string folder, string configText)
    {
        var path = System.IO.Path.Combine(folder, FileName);
        if (!File.Exists(path)) throw new StoreException($"{path}: no sweep store here; --resume takes the output folder of an earlier a3 sweep");
        SqliteConnection connection;
        Dictionary<string, string> meta;
        try
        {
            connection = Open(path, SqliteOpenMode.ReadWrite);
            meta = new Dictionary<string, string>();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT key, value FROM meta";
            using var reader = command.ExecuteReader();
            while (reader.Read()) meta[reader.GetString(0)] = reader.GetString(1);
        }
        catch (SqliteException e)
        {
            throw new StoreException($"{path}: not a readable a3 sweep store ({e.Message.TrimEnd('.')}); nothing was changed", e);
        }
        var store = new SweepStore(connection, path);
        if (meta.GetValueOrDefault("format") != Format)
        {
            store.Dispose();
            throw new StoreException($"{path}: not an a3 sweep store (it has no '{Format}' mark); nothing was changed");
        }
        if (meta.GetValueOrDefault("version") != Version)
        {
            store.Dispose();
            throw new StoreException($"{path}: sweep store version {meta.GetValueOrDefault("version")} is not the supported version {Version}");
        }
        if (meta.GetValueOrDefault("config-sha256") != Hash(configText))
        {
            store.Dispose();
            throw new StoreException($"{path}: the store was made for another config than {System.IO.Path.Combine(folder, "config.conf")}; nothing was changed");
        }
        return store;
    }

    public void StagePlanned(string stage) => Append("stage-planned", stage: stage);
    public void TrialStarted(int trial, int attempt, string node) => Append("trial-started", trial: trial, attempt: attempt, node: node);
    public void TrialRecorded(int trial, int attempts, string node, string outcome) => Append("trial-recorded", trial: trial, attempt: attempts, node: node, outcome: outcome);
    public void SweepCompleted() => Append("sweep-completed");

    public StoredSweep Load()
    {
        var stages = new List<string>();
        var attempts = new Dictionary<int, int>();
        var recorded = new Dictionary<int, (int, string, string)>();
        var completed = false;
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT kind, stage, trial, attempt, node, outcome FROM events ORDER BY seq";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                switch (reader.GetString(0))
                {
                    case "stage-planned": stages.Add(reader.GetString(1)); break;
                    case "trial-started": attempts[reader.GetInt32(2)] = reader.GetInt32(3); break;
                    case "trial-recorded": recorded[reader.GetInt32(2)] = (reader.GetInt32(3), reader.GetString(4), reader.GetString(5)); break;
                    case "sweep-completed": completed = true; break;
                    case var kind: throw new StoreException($"{Path}: unknown event '{kind}'");
                }
            }
        }
        catch (Exception e) when (e is SqliteException or InvalidCastException or InvalidOperationException)
        {
            throw new StoreException($"{Path}: the store's events are damaged ({e.Message}); nothing was changed", e);
        }
        return new StoredSweep(stages, attempts, recorded, completed);
    }

    private void Append(string kind, string? stage = null, int? trial = null, int? attempt = null, string? node = null, string? outcome = null) =>
        Execute("INSERT INTO events (kind, stage, trial, attempt, node, outcome, at) VALUES ($kind, $stage, $trial, $attempt, $node, $outcome, $at)",
            ("$kind", kind), ("$stage", stage), ("$trial", trial), ("$attempt", attempt), ("$node", node), ("$outcome", outcome),
            ("$at", DateTime.UtcNow.ToString("O")));

    private void Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    private static SqliteConnection Open(string path, SqliteOpenMode mode)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    public void Dispose() => connection.Dispose();
}
