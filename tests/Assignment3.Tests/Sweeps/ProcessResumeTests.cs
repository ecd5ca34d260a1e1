using Xunit.Abstractions;

namespace Assignment3.Tests.Sweeps;

/// <summary>
/// A coordinator process stopped at any moment of a sweep's life (while loading data, between
/// stages, mid-group, after it completed) and resumed, again and again: the sweep ends with the
/// tables and curves of an undisturbed run that trained one trial at a time, every trial recorded
/// once, and nothing recorded ever run twice.
/// </summary>
[Collection(nameof(ProcessCollection))]
public sealed class ProcessResumeTests(ITestOutputHelper output) : SweepProcessTest("a3-resume-")
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);
    private string Config => WriteConfig("smoke.conf", 1500);

    /// <summary>A test config with trials long enough to be caught running.</summary>
    private string WriteConfig(string name, int stepSize)
    {
        var path = Path.Combine(work, name);
        File.WriteAllText(
            path,
            File.ReadAllText(RepoPaths.Config(name)).Replace("step-size = 20", $"step-size = {stepSize}")
        );
        return path;
    }

    /// <summary>The sweep run without interruption, one trial at a time (group-size = 1).</summary>
    private async Task<string> Undisturbed(A3Processes processes, string config)
    {
        var name = Path.GetFileNameWithoutExtension(config);
        var alone = Path.Combine(work, $"{name}-alone.conf");
        File.WriteAllText(alone, File.ReadAllText(config).Replace("seed = 7", "seed = 7\n  group-size = 1"));
        var folder = Path.Combine(work, "undisturbed-" + name);
        Assert.Equal(0, await processes.Start("sweep", alone, "--out", folder, "--slots", "2").WaitAsync(Bound));
        return folder;
    }

    /// <summary>
    /// smoke.conf (6 coarse trials, 3 fine) and smoke-sha.conf (9 coarse trials under successive
    /// halving, 6 of them stopped at their first rung, 3 fine): with early stopping, the rung
    /// bookkeeping and paused trials' checkpoints must survive every kill as well. smoke-search.conf
    /// (a GP search, 12 trials in 4 rounds): killed mid-round, it resumes to the same proposals.
    /// </summary>
    [Theory]
    [InlineData("smoke.conf", 1500, 9)]
    [InlineData("smoke-sha.conf", 600, 12)]
    [InlineData("smoke-search.conf", 600, 12)]
    public async Task A_coordinator_killed_at_random_moments_again_and_again_ends_with_the_undisturbed_tables(
        string name,
        int stepSize,
        int trials
    )
    {
        var config = WriteConfig(name, stepSize);
        using var processes = new A3Processes(data.Root, output);
        var reference = await Undisturbed(processes, config);
        var folder = Path.Combine(work, "killed");
        var random = new Random(20261126);
        var final = new Dictionary<int, string>(); // trial -> its completed or stopped row, as first seen
        var rounds = 0;
        for (; ; rounds++)
        {
            var run =
                rounds == 0
                    ? processes.Start("sweep", config, "--out", folder, "--slots", "2")
                    : processes.Start("sweep", "--resume", folder, "--slots", "2");
            // The first rounds die early (loading data, the store just made); later ones get further.
            var lifetime = TimeSpan.FromMilliseconds(random.Next(300, 1200 + 400 * rounds));
            await Task.WhenAny(run.Process.WaitForExitAsync(), Task.Delay(lifetime));
            if (!run.HasExited && rounds < 10)
                run.Signal(random.Next(4) == 0 ? "INT" : "KILL");
            var code = await run.WaitAsync(Bound);
            foreach (var row in SweepFiles.Trials(folder).Where(r => r.Status is "completed" or "stopped"))
            {
                var cells = string.Join(",", row.Cells.Values);
                if (final.TryGetValue(row.Trial, out var first))
                    Assert.Equal(first, cells); // not trained again
                else
                    final[row.Trial] = cells;
            }
            if (code == 0)
                break;
            Assert.True(rounds < 15, $"round {rounds} exited {code}: {string.Join("\n", run.Output.TakeLast(5))}");
        }
        output.WriteLine($"{rounds} stops before the sweep completed");

        Assert.True(rounds >= 3, "the coordinator was hardly stopped");
        SweepFiles.AssertEveryTrialOnceFinal(folder, trials);
        var stages = name == "smoke-search.conf" ? ["coarse"] : new[] { "coarse", "fine" };
        foreach (var stage in stages)
            Assert.Equal(SweepFiles.Table(reference, stage), SweepFiles.Table(folder, stage));
        if (name == "smoke-sha.conf")
            Assert.Equal(SweepFiles.Rungs(reference), SweepFiles.Rungs(folder));
        foreach (var curve in Directory.GetFiles(Path.Combine(reference, "curves")))
            Assert.Equal(
                File.ReadAllBytes(curve),
                File.ReadAllBytes(Path.Combine(folder, "curves", Path.GetFileName(curve)))
            );
        // A search resumes to the same proposals, whichever round it was stopped in.
        if (name == "smoke-search.conf")
            Assert.Equal(
                File.ReadAllText(Path.Combine(reference, "search-coarse.csv")),
                File.ReadAllText(Path.Combine(folder, "search-coarse.csv"))
            );

        // Resuming a completed sweep rewrites its outputs and exits 0, again and again.
        File.Delete(Path.Combine(folder, $"table-{stages[^1]}.md"));
        Assert.Equal(0, await processes.Start("sweep", "--resume", folder).WaitAsync(Bound));
        Assert.Equal(SweepFiles.Table(reference, stages[^1]), SweepFiles.Table(folder, stages[^1]));
    }

    [Fact]
    public async Task A_sweep_stopped_before_its_store_existed_starts_afresh_on_resume()
    {
        using var processes = new A3Processes(data.Root, output);
        var reference = await Undisturbed(processes, Config);
        var folder = Path.Combine(work, "early");
        Directory.CreateDirectory(folder);
        File.Copy(Config, Path.Combine(folder, "config.conf"));

        var resumed = processes.Start("sweep", "--resume", folder);

        Assert.Equal(0, await resumed.WaitAsync(Bound));
        Assert.Contains(resumed.Output, l => l.Contains("starting it from the beginning"));
        SweepFiles.AssertEveryTrialOnceCompleted(folder, 9);
        Assert.Equal(SweepFiles.Table(reference), SweepFiles.Table(folder));
    }

    [Fact]
    public async Task Resuming_with_an_edited_config_is_refused_and_leaves_every_file_as_it_was()
    {
        using var processes = new A3Processes(data.Root, output);
        var folder = Path.Combine(work, "edited");
        var first = processes.Start("sweep", Config, "--out", folder, "--slots", "1");
        await Await.Until(() => SweepFiles.Trials(folder).Any(r => r.Status == "completed"), "a trial recorded");
        first.Signal("KILL");
        await first.WaitAsync(Bound);
        File.AppendAllText(Path.Combine(folder, "config.conf"), "\n# edited\n");
        var before = Directory.GetFiles(folder).ToDictionary(f => f, File.ReadAllBytes);

        var resumed = processes.Start("sweep", "--resume", folder);

        Assert.Equal(2, await resumed.WaitAsync(Bound));
        Assert.Contains(resumed.Output, l => l.Contains("config.conf: differs from the config the sweep started with"));
        Assert.Equal(before.Keys.Order(), Directory.GetFiles(folder).Order());
        foreach (var (file, bytes) in before)
            Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(file)), $"{file} changed");
    }
}
