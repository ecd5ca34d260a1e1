using Xunit.Abstractions;

namespace Assignment3.Tests.Sweeps;

/// <summary>
/// A sweep whose folder fills up, and a resume in a folder that cannot be written: the sweep stops
/// at once with a one-line error naming the file and the cause (exit code 2), nothing recorded is
/// lost, and the folder copied to a disk with room resumes to the undisturbed tables.
/// </summary>
[Collection(nameof(ProcessCollection))]
public sealed class ProcessDiskTests(ITestOutputHelper output) : SweepProcessTest("a3-disk-")
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);
    private string Config => RepoPaths.Config("smoke.conf");

    [RootFact]
    public async Task A_full_disk_stops_the_sweep_cleanly_and_a_copy_on_a_bigger_disk_resumes_to_the_same_tables()
    {
        using var processes = new A3Processes(data.Root, output);
        var reference = Path.Combine(work, "undisturbed");
        Assert.Equal(0, await processes.Start("sweep", Config, "--out", reference, "--slots", "2").WaitAsync(Bound));
        using var small = new TmpfsMount("160k");
        var folder = Path.Combine(small.Folder, "sweep");

        var full = processes.Start("sweep", Config, "--out", folder, "--slots", "2");

        Assert.Equal(2, await full.WaitAsync(Bound));
        var error = Assert.Single(full.Output, l => l.StartsWith("a3: "));
        output.WriteLine(error);
        Assert.Contains(folder, error);
        Assert.True(error.Contains("No space left on device") || error.Contains("database or disk is full"), error);
        Assert.Contains("--resume", error);

        var copy = Path.Combine(work, "copied");
        CopyFolder(folder, copy);
        Assert.Equal(0, await processes.Start("sweep", "--resume", copy).WaitAsync(Bound));
        SweepFiles.AssertEveryTrialOnceCompleted(copy, 9);
        foreach (var stage in new[] { "coarse", "fine" })
            Assert.Equal(SweepFiles.Table(reference, stage), SweepFiles.Table(copy, stage));
    }

    [RootFact]
    public async Task Resuming_in_a_read_only_folder_is_refused_at_once_and_changes_nothing()
    {
        using var processes = new A3Processes(data.Root, output);
        using var disk = new TmpfsMount("64m");
        var folder = Path.Combine(disk.Folder, "sweep");
        var first = processes.Start("sweep", Config, "--out", folder, "--slots", "1");
        await Await.Until(() => SweepFiles.Trials(folder).Any(r => r.Status == "completed"), "a trial recorded");
        first.Signal("KILL");
        await first.WaitAsync(Bound);
        disk.MakeReadOnly();
        var before = Directory.GetFiles(folder).ToDictionary(f => f, File.ReadAllBytes);

        var resumed = processes.Start("sweep", "--resume", folder);

        Assert.Equal(2, await resumed.WaitAsync(TimeSpan.FromSeconds(60)));
        var error = Assert.Single(resumed.Output, l => l.StartsWith("a3: "));
        output.WriteLine(error);
        Assert.Contains($"{folder}/sweep.db: cannot write the store", error);
        Assert.Equal(before.Keys.Order(), Directory.GetFiles(folder).Order());
        foreach (var (file, bytes) in before)
            Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(file)), $"{file} changed");
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(dir.Replace(from, to));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, file.Replace(from, to));
    }
}
