using Assignment3.Storage;

namespace Assignment3.Tests.Sweeps;

public sealed class SweepStoreTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("a3-store-").FullName;

    [Fact]
    public void Events_come_back_in_order_after_reopening()
    {
        using (var store = SweepStore.Create(folder, "config text"))
        {
            store.StagePlanned("coarse");
            store.TrialStarted(1, 1, "a");
            store.TrialStarted(2, 1, "b");
            store.TrialStarted(2, 2, "a");
            store.TrialRecorded(1, 1, "a", "{\"status\":\"completed\"}");
            store.StagePlanned("fine");
        }

        using var reopened = SweepStore.OpenForResume(folder, "config text");
        var loaded = reopened.Load();

        Assert.Equal(["coarse", "fine"], loaded.Stages);
        Assert.Equal(2, loaded.Attempts[2]);
        Assert.Equal((1, "a", "{\"status\":\"completed\"}"), loaded.Recorded[1]);
        Assert.False(loaded.Recorded.ContainsKey(2));
        Assert.False(loaded.Completed);
    }

    [Fact]
    public void A_store_made_for_another_config_is_refused()
    {
        SweepStore.Create(folder, "config A").Dispose();

        var e = Assert.Throws<StoreException>(() => SweepStore.OpenForResume(folder, "config B"));

        Assert.Contains("made for another config", e.Message);
    }

    [Fact]
    public void A_corrupted_store_is_refused_and_left_as_it_was()
    {
        var path = Path.Combine(folder, SweepStore.FileName);
        var garbage = Enumerable.Range(0, 4096).Select(i => (byte)(i * 7)).ToArray();
        File.WriteAllBytes(path, garbage);

        var e = Assert.Throws<StoreException>(() => SweepStore.OpenForResume(folder, "config"));

        Assert.Contains(path, e.Message);
        Assert.Contains("not a readable a3 sweep store", e.Message);
        Assert.Equal(garbage, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_foreign_sqlite_database_is_refused()
    {
        var path = Path.Combine(folder, SweepStore.FileName);
        using (var other = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            other.Open();
            using var command = other.CreateCommand();
            command.CommandText = "CREATE TABLE meta (key TEXT, value TEXT); INSERT INTO meta VALUES ('format', 'something-else');";
            command.ExecuteNonQuery();
        }

        var e = Assert.Throws<StoreException>(() => SweepStore.OpenForResume(folder, "config"));

        Assert.Contains("not an a3 sweep store", e.Message);
    }

    [Fact]
    public void A_folder_without_a_store_and_a_second_store_in_one_folder_are_refused()
    {
        Assert.Contains("no sweep store here", Assert.Throws<StoreException>(() => SweepStore.OpenForResume(folder, "c")).Message);
        SweepStore.Create(folder, "c").Dispose();
        Assert.Contains("already exists", Assert.Throws<StoreException>(() => SweepStore.Create(folder, "c")).Message);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
