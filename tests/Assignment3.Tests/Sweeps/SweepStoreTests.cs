using System.Text;
using Assignment3.Experiments.Sweeps;
using Assignment3.Storage;
using Microsoft.Data.Sqlite;

namespace Assignment3.Tests.Sweeps;

public sealed class SweepStoreTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("a3-store-").FullName;
    private string StorePath => Path.Combine(folder, SweepStore.FileName);

    private static readonly TrialOutcome Outcome = new(
        TrialStatus.Completed,
        0.5,
        double.NaN,
        0.6,
        1.2,
        10,
        0.1,
        null,
        null,
        [new Core.Training.CurvePoint(10, 0.01, 1.5, 1.4, 0.6, 1.6, 1.5, 0.5)]
    );

    private static readonly SweepEvent[] Events =
    [
        new TrialStarted(1, 1, "a", "slot-1", 0, 10),
        new TrialStarted(2, 1, "b", "slot-1", 0, 10),
        new TrialRequeued(2, 1, "node b was lost", Charged: false),
        new TrialStarted(2, 2, "a", "slot-2", 0, 10),
        new TrialRecorded(1, 1, "a", Outcome),
        new StageOpened("fine"),
        new RoundProposed(
            "coarse",
            2,
            [
                [1e-3, 0.1 + 0.2, 1],
                [2.5e-5, 7, 0],
            ]
        ),
    ];

    private void Write(IEnumerable<SweepEvent> events, string config = "config text")
    {
        using var store = SweepStore.Create(folder, config);
        foreach (var e in events)
            store.Append(e);
    }

    /// <summary>
    /// The store as a killed coordinator leaves it: events in the write-ahead log, not yet folded into
    /// the database (the files are copied while the writing connection is still open).
    /// </summary>
    private void WriteAndCrash(IEnumerable<SweepEvent> events)
    {
        var live = Directory.CreateTempSubdirectory("a3-live-").FullName;
        try
        {
            using (var store = SweepStore.Create(live, "config text"))
            {
                foreach (var e in events)
                    store.Append(e);
                foreach (var file in Directory.GetFiles(live))
                    File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
            }
        }
        finally
        {
            Directory.Delete(live, recursive: true);
        }
    }

    private Dictionary<string, byte[]> Files() =>
        Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);

    private void AssertUnchanged(Dictionary<string, byte[]> before)
    {
        var after = Files();
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (name, bytes) in before)
            Assert.True(bytes.AsSpan().SequenceEqual(after[name]), $"{name} changed");
    }

    [Fact]
    public void Events_and_the_config_come_back_in_order()
    {
        Write(Events);

        var stored = SweepStore.Read(folder);

        Assert.Equal("config text", stored.ConfigText);
        Assert.Equal(5, stored.Version);
        Assert.Equal(Events.Select(e => e.GetType()), stored.Events.Select(e => e.GetType()));
        Assert.Equal(Events.Take(4), stored.Events.Take(4));
        Assert.Equal(0.5, ((TrialRecorded)stored.Events[4]).Outcome.ValidationAccuracy);
        var round = (RoundProposed)stored.Events[^1];
        Assert.Equal((2, 0.1 + 0.2), (round.Round, round.Points[0][1])); // every coordinate exactly as proposed
        Assert.Equal(((RoundProposed)Events[^1]).Points.SelectMany(p => p), round.Points.SelectMany(p => p));
        Assert.Empty(stored.Warnings);
    }

    [Fact]
    public void A_trials_latest_checkpoint_is_kept_with_its_event_and_dropped_when_the_trial_ends()
    {
        var point = new Core.Training.CurvePoint(4, 0.01, 1.5, 1.4, 0.6, 1.6, 1.5, 0.45);
        using (var store = SweepStore.Create(folder, "config text"))
        {
            store.Append(new TrialStarted(1, 1, "a", "slot-1", 0, 10));
            store.Append(new TrialCheckpointed(1, 1, 4, [point], 0.2), [4]);
            store.Append(new TrialStarted(2, 1, "a", "slot-2", 0, 10));
            store.Append(
                new TrialPaused(2, 1, "a", Outcome with { UpdateSteps = 6, Curve = [point with { Step = 6 }] }),
                [6]
            );
            store.Append(new TrialCheckpointed(1, 1, 8, [point with { Step = 8 }], 0.4), [8]);
            Assert.Equal([8], store.Checkpoint(1)!.Value.Bytes); // the latest replaces the one before
            Assert.Equal(8, store.Checkpoint(1)!.Value.Step);
            Assert.Equal((2, 2L), store.CheckpointTotals());

            store.Append(new TrialPromoted(2, 10));
            store.Append(new TrialRecorded(1, 1, "a", Outcome));
            Assert.Null(store.Checkpoint(1)); // a recorded trial needs none
            Assert.Equal([6], store.Checkpoint(2)!.Value.Bytes); // a promoted one goes on from its own
            store.Append(new TrialStarted(2, 2, "b", "slot-1", 6, 10));
            store.Append(new TrialPaused(2, 2, "b", Outcome), [10]);
            store.Append(new TrialStopped(2, "not among the best 1 of 2 at 1 cycle"));
            Assert.Equal((0, 0L), store.CheckpointTotals());
            Assert.Throws<ArgumentException>(() => store.Append(new TrialPromoted(3, 10), [1])); // only checkpoint events carry one
        }

        var stored = SweepStore.Read(folder);
        Assert.Equal(
            [
                typeof(TrialStarted),
                typeof(TrialCheckpointed),
                typeof(TrialStarted),
                typeof(TrialPaused),
                typeof(TrialCheckpointed),
                typeof(TrialPromoted),
                typeof(TrialRecorded),
                typeof(TrialStarted),
                typeof(TrialPaused),
                typeof(TrialStopped),
            ],
            stored.Events.Select(e => e.GetType())
        );
        Assert.Equal(0.45, ((TrialCheckpointed)stored.Events[1]).Points.Single().ValidationAccuracy);
        Assert.Equal("not among the best 1 of 2 at 1 cycle", ((TrialStopped)stored.Events[^1]).Reason);
    }

    [Fact]
    public void A_store_is_created_whole_or_not_at_all()
    {
        // What an earlier attempt killed half-way through creating left behind.
        File.WriteAllText(StorePath + ".new", "half a database");

        Write([]);

        Assert.False(File.Exists(StorePath + ".new"));
        Assert.Empty(SweepStore.Read(folder).Events);
    }

    [Fact]
    public void Reading_the_store_of_a_killed_coordinator_finds_every_event_and_changes_no_byte()
    {
        WriteAndCrash(Events);
        Assert.True(new FileInfo(StorePath + "-wal").Length > 0);
        var before = Files();

        var stored = SweepStore.Read(folder);

        Assert.Equal(Events.Length, stored.Events.Count);
        AssertUnchanged(before);
    }

    /// <summary>
    /// a3 status and a3 report read the store of a running sweep: a checkpoint folds the log into the
    /// database and the next write restarts the log, and a read that copied the database before the
    /// restart and the log after it saw a database SQLite called damaged (a 30-minute soak met it).
    /// </summary>
    [Fact]
    public async Task Reading_a_store_while_it_is_written_and_its_log_restarted_sees_a_whole_prefix_of_its_events()
    {
        const int written = 4000;
        using var store = SweepStore.Create(folder, "config text");
        using var stop = new CancellationTokenSource();
        var writing = Task.Run(() =>
        {
            using var checkpoints = new SqliteConnection($"Data Source={StorePath}");
            checkpoints.Open();
            using var restart = checkpoints.CreateCommand();
            restart.CommandText = "PRAGMA wal_checkpoint(RESTART)";
            for (var i = 0; i < written && !stop.IsCancellationRequested; i++)
            {
                store.Append(new TrialStarted(i + 1, 1, "a", "slot-1", 0, 10));
                if (i % 25 == 0)
                    restart.ExecuteNonQuery();
            }
        });
        try
        {
            var (reads, seen) = (0, 0);
            while (!writing.IsCompleted || reads == 0)
            {
                var events = SweepStore.Read(folder).Events;
                Assert.True(events.Count >= seen, $"read {events.Count} events after {seen}");
                Assert.Equal(Enumerable.Range(1, events.Count), events.Cast<TrialStarted>().Select(e => e.Trial));
                (seen, reads) = (events.Count, reads + 1);
            }
        }
        finally
        {
            stop.Cancel();
            await writing;
        }
        Assert.Equal(written, SweepStore.Read(folder).Events.Count);
    }

    [Fact]
    public void A_damaged_write_ahead_log_is_named_as_such_and_nothing_is_changed()
    {
        WriteAndCrash(Events);
        var wal = File.ReadAllBytes(StorePath + "-wal");
        wal[32 + 24 + 100] ^= 0xFF; // a byte of the first frame's page
        File.WriteAllBytes(StorePath + "-wal", wal);
        var before = Files();

        var e = Assert.Throws<StoreException>(() => SweepStore.Read(folder));

        Assert.Contains($"{StorePath}-wal: frame 1 of", e.Message);
        Assert.Contains("fails its checksum", e.Message);
        AssertUnchanged(before);
    }

    [Fact]
    public void A_truncated_write_ahead_log_is_reported_and_the_events_before_the_cut_are_used()
    {
        WriteAndCrash(Events);
        var wal = File.ReadAllBytes(StorePath + "-wal");
        File.WriteAllBytes(StorePath + "-wal", wal[..(wal.Length - 100)]);
        var before = Files();

        var stored = SweepStore.Read(folder);

        Assert.Contains(stored.Warnings, w => w.Contains("-wal ends in") && w.Contains("never finished"));
        Assert.Equal(Events.Length - 1, stored.Events.Count); // the last event's frame was cut
        AssertUnchanged(before);
    }

    [Fact]
    public void Bytes_flipped_inside_a_stored_event_are_named_as_a_damaged_event()
    {
        Write(Events);
        var bytes = File.ReadAllBytes(StorePath);
        var at = bytes.AsSpan().IndexOf("\"validationAccuracy\":0.5"u8);
        Assert.True(at > 0);
        bytes[at + "\"validationAccuracy\":0.".Length] = (byte)'7';
        File.WriteAllBytes(StorePath, bytes);
        var before = Files();

        var e = Assert.Throws<StoreException>(() => SweepStore.Read(folder));

        Assert.Equal(
            $"{StorePath}: event 5 (trial-recorded) is damaged: it does not match its checksum; nothing was changed",
            e.Message
        );
        AssertUnchanged(before);
    }

    [Fact]
    public void A_file_that_is_not_a_database_is_refused_and_left_as_it_was()
    {
        var garbage = Enumerable.Range(0, 4096).Select(i => (byte)(i * 7)).ToArray();
        File.WriteAllBytes(StorePath, garbage);

        var e = Assert.Throws<StoreException>(() => SweepStore.Read(folder));

        Assert.Contains($"{StorePath}: not a readable a3 sweep store", e.Message);
        Assert.Equal(garbage, File.ReadAllBytes(StorePath));
    }

    [Fact]
    public void A_foreign_sqlite_database_is_refused()
    {
        using (var other = new SqliteConnection($"Data Source={StorePath};Pooling=False"))
        {
            other.Open();
            using var command = other.CreateCommand();
            command.CommandText =
                "CREATE TABLE meta (key TEXT, value TEXT); INSERT INTO meta VALUES ('format', 'something-else');";
            command.ExecuteNonQuery();
        }

        var e = Assert.Throws<StoreException>(() => SweepStore.Read(folder));

        Assert.Contains("not an a3 sweep store (it has no 'a3-sweep-store' mark)", e.Message);
    }

    [Fact]
    public void A_folder_without_a_store_and_a_second_store_in_one_folder_are_refused()
    {
        Assert.Contains("no sweep store here", Assert.Throws<StoreException>(() => SweepStore.Read(folder)).Message);
        Write([]);
        Assert.Contains("already exists", Assert.Throws<StoreException>(() => SweepStore.Create(folder, "c")).Message);
    }

    [Fact]
    public void A_format_1_store_is_read_but_not_resumed()
    {
        File.WriteAllText(Path.Combine(folder, "config.conf"), "old config");
        using (var old = new SqliteConnection($"Data Source={StorePath};Pooling=False"))
        {
            old.Open();
            using var command = old.CreateCommand();
            var hash = Convert.ToHexStringLower(
                System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes("old config"))
            );
            command.CommandText = $$"""
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, stage TEXT, trial INTEGER,
                  attempt INTEGER, node TEXT, outcome TEXT, at TEXT NOT NULL);
                INSERT INTO meta VALUES ('format', 'a3-sweep-store'), ('version', '1'), ('config-sha256', '{{hash}}');
                INSERT INTO events (kind, stage, at) VALUES ('stage-planned', 'coarse', '2026-01-01T00:00:00Z');
                INSERT INTO events (kind, trial, attempt, node, at) VALUES ('trial-started', 1, 1, 'a', '2026-01-01T00:00:01Z');
                INSERT INTO events (kind, trial, attempt, node, at) VALUES ('trial-started', 1, 2, 'b', '2026-01-01T00:00:02Z');
                INSERT INTO events (kind, trial, attempt, node, outcome, at) VALUES ('trial-recorded', 1, 2, 'b',
                  '{"status":"completed","validationAccuracy":0.5,"testAccuracy":"NaN","trainAccuracy":0.6,"finalCost":1.2,' ||
                  '"updateSteps":10,"seconds":0.1,"curve":[]}',
                  '2026-01-01T00:00:03Z');
                """;
            command.ExecuteNonQuery();
        }

        var stored = SweepStore.Read(folder);

        Assert.Equal(1, stored.Version);
        Assert.Equal("old config", stored.ConfigText);
        Assert.Equal(
            [
                typeof(StageOpened),
                typeof(TrialStarted),
                typeof(TrialRequeued),
                typeof(TrialStarted),
                typeof(TrialRecorded),
            ],
            stored.Events.Select(e => e.GetType())
        );
        Assert.Contains(
            "earlier a3 (format 1)",
            Assert.Throws<StoreException>(() => SweepStore.Continue(folder, stored)).Message
        );
    }

    [Theory]
    [InlineData(3, "System.Random")]
    [InlineData(4, "mini-batch orders (each trial's own, before sweep.data-order)")]
    public void An_earlier_format_is_read_but_not_resumed_naming_what_its_trials_trained_with(int version, string why)
    {
        using (SweepStore.Create(folder, "config")) { }
        using (
            var connection = new Microsoft.Data.Sqlite.SqliteConnection(
                $"Data Source={Path.Combine(folder, SweepStore.FileName)};Pooling=False"
            )
        )
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"UPDATE meta SET value = '{version}' WHERE key = 'version'";
            command.ExecuteNonQuery();
        }

        var stored = SweepStore.Read(folder);

        Assert.Equal(version, stored.Version);
        var refusal = Assert.Throws<StoreException>(() => SweepStore.Continue(folder, stored)).Message;
        Assert.Contains($"earlier a3 (format {version})", refusal);
        Assert.Contains(why, refusal);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
