using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Assignment3.Experiments.Sweeps;
using Microsoft.Data.Sqlite;

namespace Assignment3.Storage;

/// <summary>A problem with a sweep store: the message names the file and what is wrong.</summary>
public sealed class StoreException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// What a store holds: the sweep's config text, its events in order, and the store's format version;
/// <see cref="Warnings"/> tell of things found and worked around (an unfinished last write).
/// </summary>
public sealed record StoredSweep(
    string ConfigText,
    IReadOnlyList<SweepEvent> Events,
    int Version,
    IReadOnlyList<string> Warnings
);

/// <summary>
/// The coordinator's journal of a sweep (sweep.db in the output folder, SQLite): the config and every
/// event, each appended in its own transaction before the coordinator acts on it, chained by
/// checksums so a damaged event is found, and the latest checkpoint of each trial that may still go
/// on (written with the event that names it, deleted with the event that ends the trial). Only the
/// coordinator writes it. A store is created whole
/// or not at all, and is read (for --resume, a3 status, a3 report) from a copy, so a store that is
/// refused, or watched while a sweep writes it, is never changed by being read.
/// </summary>
public sealed class SweepStore : IDisposable
{
    public const string FileName = "sweep.db";
    private const string Mark = "a3-sweep-store";

    /// <summary>
    /// 5: a sweep's mini-batch order shared by its trials (sweep.data-order), trials trained in groups;
    /// 4: random numbers from our own generator (xoshiro256**), not System.Random; 3: our own kernels'
    /// numerics, checkpoints. Older stores are read (a3 report, a3 status), not resumed.
    /// </summary>
    private const int Version = 5;
    private readonly SqliteConnection connection;
    private string lastSha;
    private long lastSeq;

    private static readonly (string Kind, Type Type)[] Kinds =
    [
        ("stage-planned", typeof(StageOpened)),
        ("round-proposed", typeof(RoundProposed)),
        ("search-warm-started", typeof(SearchWarmStarted)),
        ("trial-started", typeof(TrialStarted)),
        ("trial-requeued", typeof(TrialRequeued)),
        ("trial-checkpointed", typeof(TrialCheckpointed)),
        ("trial-paused", typeof(TrialPaused)),
        ("trial-promoted", typeof(TrialPromoted)),
        ("trial-stopped", typeof(TrialStopped)),
        ("trial-recorded", typeof(TrialRecorded)),
        ("sweep-completed", typeof(SweepCompleted)),
    ];

    private SweepStore(SqliteConnection connection, string path, long lastSeq, string lastSha)
    {
        this.connection = connection;
        this.lastSeq = lastSeq;
        this.lastSha = lastSha;
        Path = path;
    }

    public string Path { get; }

    /// <summary>
    /// A new store holding <paramref name="configText"/>. It is built under a temporary name and
    /// renamed into place, so a sweep stopped at any moment leaves a whole store or none.
    /// </summary>
    public static SweepStore Create(string folder, string configText)
    {
        var path = System.IO.Path.Combine(folder, FileName);
        if (File.Exists(path))
            throw new StoreException(
                $"{path}: a sweep store already exists; continue it with a3 sweep --resume {folder}"
            );
        var building = path + ".new";
        File.Delete(building); // what an earlier attempt stopped half-way left
        using (var fresh = Connect(building, SqliteOpenMode.ReadWriteCreate))
        {
            Execute(
                fresh,
                """
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, trial INTEGER,
                                     body TEXT NOT NULL, at TEXT NOT NULL, sha TEXT NOT NULL);
                CREATE TABLE checkpoints (trial INTEGER PRIMARY KEY, step INTEGER NOT NULL, seq INTEGER NOT NULL, bytes BLOB NOT NULL);
                """
            );
            foreach (
                var (key, value) in new[]
                {
                    ("format", Mark),
                    ("version", Version.ToString()),
                    ("config-sha256", Hash(configText)),
                    ("config", configText),
                }
            )
                Execute(fresh, "INSERT INTO meta (key, value) VALUES ($key, $value)", ("$key", key), ("$value", value));
        }
        File.Move(building, path);
        return OpenWritable(path, Hash(configText));
    }

    /// <summary>
    /// The store in <paramref name="folder"/> as it stands, checked whole (file structure, format,
    /// every event's checksum), read from a copy: the folder is not touched, even while a
    /// coordinator writes it.
    /// </summary>
    public static StoredSweep Read(string folder)
    {
        var path = System.IO.Path.Combine(folder, FileName);
        if (!File.Exists(path))
            throw new StoreException($"{path}: no sweep store here; give the output folder of an a3 sweep");
        var copy = Directory.CreateTempSubdirectory("a3-store-");
        try
        {
            var copied = System.IO.Path.Combine(copy.FullName, FileName);
            var warnings = new List<string>();
            if (CopyOneMoment(path, copied) is var (wal, problem, tail))
            {
                if (problem is not null)
                    throw new StoreException($"{path}-wal: {problem}; nothing was changed");
                if (tail > 0)
                    warnings.Add(
                        $"{path}-wal ends in {tail:N0} bytes of a write that never finished (a crash or a full disk); it committed nothing and is ignored"
                    );
                File.WriteAllBytes(copied + "-wal", wal);
            }
            using var connection = Connect(copied, SqliteOpenMode.ReadWrite);
            return ReadAll(connection, path, folder) with { Warnings = warnings };
        }
        catch (SqliteException e)
        {
            throw new StoreException(
                $"{path}: not a readable a3 sweep store (SQLite: {e.Message.TrimEnd('.')}); nothing was changed",
                e
            );
        }
        finally
        {
            copy.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Copies the database to <paramref name="copied"/> and returns its write-ahead log with what
    /// <see cref="WalCheck"/> finds in it (null when there is none), both of one moment of a store that a coordinator may be writing. A checkpoint
    /// copies the log's frames into the database, and the next write restarts the log: a database copied
    /// before a restart with a log read after it lacks the frames in between (SQLite calls it damaged).
    /// A restart changes the log's header (its salts), so the header is read before the database is
    /// copied and again after the log is read, and the copy is taken again until they agree. A log read
    /// while frames are appended can end in a torn frame, or hold a stale frame before fresh ones, which
    /// would pass for damage: such a log is read again, and taken as it is only when it stays the same.
    /// </summary>
    private static (byte[] Wal, string? Problem, int UnfinishedTail)? CopyOneMoment(string path, string copied)
    {
        const int tries = 100;
        var walPath = path + "-wal";
        byte[]? previous = null;
        for (var attempt = 1; attempt <= tries; attempt++)
        {
            var before = WalCheck.Header(ReadIfExists(walPath, WalCheck.HeaderSize));
            File.Copy(path, copied, overwrite: true);
            var wal = ReadIfExists(walPath, int.MaxValue);
            var after = WalCheck.Header(ReadIfExists(walPath, WalCheck.HeaderSize));
            if (!before.SequenceEqual(WalCheck.Header(wal)) || !before.SequenceEqual(after))
                continue;
            if (wal is null)
                return null;
            var (problem, tail) = (WalCheck.Problem(wal), WalCheck.UnfinishedTail(wal));
            if ((problem is null && tail == 0) || wal.AsSpan().SequenceEqual(previous))
                return (wal, problem, tail);
            previous = wal;
        }
        throw new StoreException(
            $"{path}: the store changed each of {tries} times it was copied to be read; try again"
        );
    }

    /// <summary>Up to <paramref name="limit"/> bytes from the start of a file another process may be writing.</summary>
    private static byte[]? ReadIfExists(string path, int limit)
    {
        try
        {
            using var file = new FileStream(
                path,
                FileMode.Open,
                FileAccess.Read,
                FileShare.ReadWrite | FileShare.Delete
            );
            var bytes = new byte[Math.Min(limit, file.Length)];
            // A log cut short while it is read (a truncating checkpoint) gives fewer bytes, and a new header.
            return bytes[..file.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false)];
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// The store of an interrupted sweep, opened for writing once the caller has accepted what
    /// <see cref="Read"/> found in it (nothing is written to a store that is refused).
    /// </summary>
    public static SweepStore Continue(string folder, StoredSweep stored)
    {
        var path = System.IO.Path.Combine(folder, FileName);
        if (stored.Version != Version)
            throw new StoreException(
                $"{path}: this store was written by an earlier a3 (format {stored.Version}), whose trials trained with other "
                    + (
                        stored.Version < 3 ? "numerics (OpenBLAS)"
                        : stored.Version < 4 ? "random numbers (.NET's System.Random, which no version promises)"
                        : "mini-batch orders (each trial's own, before sweep.data-order)"
                    )
                    + "; a3 report and a3 status still read it, but resuming would mix results: run the sweep again"
            );
        var store = OpenWritable(path, Hash(stored.ConfigText));
        if (store.lastSeq != stored.Events.Count)
        {
            store.Dispose();
            throw new StoreException(
                $"{path}: the store changed while it was being resumed (is another a3 sweep writing it?)"
            );
        }
        return store;
    }

    /// <summary>
    /// Appends one event, in its own transaction, chained to the one before by its checksum; with it,
    /// the trial's checkpoint (replacing its previous one) when given, and the trial's checkpoint
    /// deleted when the event ends the trial.
    /// </summary>
    public void Append(SweepEvent e, byte[]? checkpoint = null)
    {
        var kind = Kinds.FirstOrDefault(k => k.Type == e.GetType()).Kind
            ?? throw new ArgumentException($"{e.GetType().Name} is not stored");
        var body = JsonSerializer.Serialize(e, e.GetType(), Json.Compact);
        var trial = e switch
        {
            TrialStarted s => s.Trial,
            TrialRequeued r => r.Trial,
            TrialCheckpointed c => c.Trial,
            TrialPaused p => p.Trial,
            TrialPromoted p => p.Trial,
            TrialStopped s => s.Trial,
            TrialRecorded r => (int?)r.Trial,
            _ => null,
        };
        var step = e switch
        {
            TrialCheckpointed c => c.Step,
            TrialPaused p => (int?)p.Outcome.UpdateSteps,
            _ => null,
        };
        if (checkpoint is not null && step is null)
            throw new ArgumentException($"{e.GetType().Name} carries no checkpoint");
        var seq = lastSeq + 1;
        var sha = Chain(lastSha, seq, kind, body);
        try
        {
            using var transaction = connection.BeginTransaction();
            Run(
                transaction,
                "INSERT INTO events (seq, kind, trial, body, at, sha) VALUES ($seq, $kind, $trial, $body, $at, $sha)",
                ("$seq", seq),
                ("$kind", kind),
                ("$trial", trial),
                ("$body", body),
                ("$at", e.At.ToString("O")),
                ("$sha", sha)
            );
            if (checkpoint is not null)
                Run(
                    transaction,
                    "INSERT OR REPLACE INTO checkpoints (trial, step, seq, bytes) VALUES ($trial, $step, $seq, $bytes)",
                    ("$trial", trial),
                    ("$step", step),
                    ("$seq", seq),
                    ("$bytes", checkpoint)
                );
            if (e is TrialStopped or TrialRecorded)
                Run(transaction, "DELETE FROM checkpoints WHERE trial = $trial", ("$trial", trial));
            transaction.Commit();
        }
        catch (SqliteException x)
        {
            // SQLite rolled the write back: the store still holds every event before this one.
            throw new StoreException(
                $"{Path}: cannot write the sweep's next event (SQLite: {x.Message.TrimEnd('.')}); "
                    + $"the store is intact and resumable: make room (or copy the folder "
                    + $"to a writable disk) and run a3 sweep --resume {System.IO.Path.GetDirectoryName(Path)}",
                x
            );
        }
        (lastSeq, lastSha) = (seq, sha);
    }

    /// <summary>The trial's stored checkpoint and its step, or null.</summary>
    public (int Step, byte[] Bytes)? Checkpoint(int trial)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT step, bytes FROM checkpoints WHERE trial = $trial";
        command.Parameters.AddWithValue("$trial", trial);
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt32(0), (byte[])reader.GetValue(1)) : null;
    }

    /// <summary>Checkpoints held and their bytes (the store's size is mostly these).</summary>
    public (int Count, long Bytes) CheckpointTotals()
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*), coalesce(sum(length(bytes)), 0) FROM checkpoints";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt32(0), reader.GetInt64(1));
    }

    public void Dispose()
    {
        foreach (var command in commands.Values)
            command.Dispose();
        connection.Dispose();
    }

    /// <summary>Appends run the same few statements: each is prepared once and kept (SQLite parses it once).</summary>
    private readonly Dictionary<string, SqliteCommand> commands = new();

    private void Run(SqliteTransaction transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        if (!commands.TryGetValue(sql, out var command))
        {
            command = commands[sql] = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, _) in parameters)
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
            command.Parameters[name].Value = value ?? DBNull.Value;
        command.ExecuteNonQuery();
    }

    private static SweepStore OpenWritable(string path, string configHash)
    {
        var connection = Connect(path, SqliteOpenMode.ReadWrite);
        try
        {
            // WAL with NORMAL sync: an event is durable once written, against a killed process; only a
            // power cut can lose the last few, whose trials would then run again (with the same results).
            Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
            // Fails now, before anything runs, where the folder cannot be written (read-only, full):
            // SQLite opens a file it cannot write read-only without a word, so try a write.
            using (var probe = connection.BeginTransaction())
                Execute(connection, "UPDATE meta SET value = value WHERE key = 'format'");
            if (Scalar(connection, "SELECT value FROM meta WHERE key = 'config-sha256'") != configHash)
                throw new StoreException($"{path}: the store changed while it was opened");
            using var last = connection.CreateCommand();
            last.CommandText = "SELECT seq, sha FROM events ORDER BY seq DESC LIMIT 1";
            using var reader = last.ExecuteReader();
            return reader.Read()
                ? new SweepStore(connection, path, reader.GetInt64(0), reader.GetString(1))
                : new SweepStore(connection, path, 0, "");
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new StoreException(
                $"{path}: cannot write the store (SQLite: {e.Message.TrimEnd('.')}); nothing was changed. "
                    + "A sweep needs a writable folder with free space: copy the folder to one and resume it there",
                e
            );
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static StoredSweep ReadAll(SqliteConnection connection, string path, string folder)
    {
        if (Scalar(connection, "PRAGMA quick_check") is var check && check != "ok")
            throw new StoreException($"{path}: the database is damaged (SQLite: {check}); nothing was changed");
        var tables = new HashSet<string>();
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
            using var reader = list.ExecuteReader();
            while (reader.Read())
                tables.Add(reader.GetString(0));
        }
        if (
            !tables.Contains("meta")
            || !tables.Contains("events")
            || Scalar(connection, "SELECT value FROM meta WHERE key = 'format'") != Mark
        )
            throw new StoreException($"{path}: not an a3 sweep store (it has no '{Mark}' mark); nothing was changed");
        var version = int.TryParse(Scalar(connection, "SELECT value FROM meta WHERE key = 'version'"), out var v)
            ? v
            : 0;
        if (version is < 1 or > Version)
            throw new StoreException(
                $"{path}: sweep store format {version} is not one this a3 reads (1 to {Version}); nothing was changed"
            );
        var configHash = Scalar(connection, "SELECT value FROM meta WHERE key = 'config-sha256'");
        var configText = Scalar(connection, "SELECT value FROM meta WHERE key = 'config'")
            ?? ConfigOfFormat1(folder, configHash, path);
        if (Hash(configText) != configHash)
            throw new StoreException(
                $"{path}: the config it holds does not match its checksum (damaged); nothing was changed"
            );
        var events = version == 1 ? StoreFormat1.Events(connection, path) : Events(connection, path);
        return new StoredSweep(configText, events, version, []);
    }

    private static List<SweepEvent> Events(SqliteConnection connection, string path)
    {
        var events = new List<SweepEvent>();
        var sha = "";
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, kind, body, sha FROM events ORDER BY seq";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var (seq, kind, body) = (reader.GetInt64(0), reader.GetString(1), reader.GetString(2));
            var where = $"{path}: event {seq} ({kind})";
            if (seq != events.Count + 1)
                throw new StoreException(
                    $"{path}: event {events.Count + 1} is missing (the next is {seq}); nothing was changed"
                );
            sha = Chain(sha, seq, kind, body);
            if (sha != reader.GetString(3))
                throw new StoreException($"{where} is damaged: it does not match its checksum; nothing was changed");
            var type = Kinds.FirstOrDefault(k => k.Kind == kind).Type
                ?? throw new StoreException($"{where}: unknown kind of event; nothing was changed");
            try
            {
                events.Add(
                    (SweepEvent)(
                        JsonSerializer.Deserialize(body, type, Json.Options) ?? throw new JsonException("empty")
                    )
                );
            }
            catch (JsonException e)
            {
                throw new StoreException($"{where} is damaged: {e.Message}; nothing was changed", e);
            }
        }
        return events;
    }

    /// <summary>Format 1 stores kept only the config's checksum: the text is the folder's config.conf.</summary>
    private static string ConfigOfFormat1(string folder, string? configHash, string path)
    {
        var config = System.IO.Path.Combine(folder, "config.conf");
        if (!File.Exists(config))
            throw new StoreException($"{path}: a format-1 store needs the sweep's {config}, which is missing");
        var text = File.ReadAllText(config);
        return Hash(text) == configHash
            ? text
            : throw new StoreException(
                $"{path}: the store was made for another config than {config}; nothing was changed"
            );
    }

    private static string Chain(string previous, long seq, string kind, string body) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{previous}\n{seq}\n{kind}\n{body}")))[..32];

    private static SqliteConnection Connect(string path, SqliteOpenMode mode)
    {
        var connection = new SqliteConnection(
            new SqliteConnectionStringBuilder
            {
                DataSource = path,
                Mode = mode,
                Pooling = false,
            }.ToString()
        );
        connection.Open();
        return connection;
    }

    private static string? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar() as string;
    }

    internal static void Execute(
        SqliteConnection connection,
        string sql,
        params (string Name, object? Value)[] parameters
    )
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    internal static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
