using Assignment3.Tests.Data;

namespace Assignment3.Tests.Sweeps;

/// <summary>
/// Trials trained together in groups (sweep.group-size = auto) leave what trials trained one at a time
/// leave: every trial's results and curve, the tables, best-trial.conf, byte for byte, on one slot,
/// two slots and two worker processes; a3 train reproduces the best trial from best-trial.conf.
/// </summary>
[Collection(nameof(ProcessCollection))]
public sealed class ProcessGroupTests(Xunit.Abstractions.ITestOutputHelper output) : SweepProcessTest("a3-groups-")
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);

    /// <summary>What trials.csv says of where and how long a trial trained: the only columns groups may change.</summary>
    private static readonly string[] WhereAndHowLong = ["seconds", "group", "node"];

    [Fact]
    public async Task Trials_trained_in_groups_leave_the_files_of_trials_trained_one_at_a_time_on_one_slot_two_slots_and_two_workers()
    {
        using var processes = new A3Processes(data.Root, output);
        var grouped = RepoPaths.Config("smoke.conf"); // group-size = auto, the default
        var alone = Path.Combine(work, "alone.conf");
        File.WriteAllText(alone, File.ReadAllText(grouped).Replace("seed = 7", "seed = 7\n  group-size = 1"));
        var reference = Path.Combine(work, "alone");
        Assert.Equal(0, await processes.Start("sweep", alone, "--out", reference, "--slots", "1").WaitAsync(Bound));
        Assert.All(SweepFiles.Trials(reference), r => Assert.Equal(r.Trial.ToString(), r["group"]));

        // Every slot offers four trials at once (what a3 measures on a real core varies): groups surely form.
        var fours = new Dictionary<string, string?> { ["A3_HOCON"] = "a3.sweep.group-capacity = 4" };
        var (one, two, spread) = await processes.SweepThreeWays(
            grouped,
            work,
            LoopbackFileServer.FreePort(),
            Bound,
            fours
        );

        var expected = Deterministic(reference);
        foreach (var folder in new[] { one, two, spread })
        {
            Assert.Equal(expected, Deterministic(folder));
            foreach (
                var file in new[]
                {
                    "table-coarse.md",
                    "table-coarse.csv",
                    "table-fine.md",
                    "table-fine.csv",
                    "best-trial.conf",
                }
            )
                Assert.Equal(
                    File.ReadAllText(Path.Combine(reference, file)),
                    File.ReadAllText(Path.Combine(folder, file))
                );
            foreach (var curve in Directory.GetFiles(Path.Combine(reference, "curves")))
                Assert.Equal(
                    File.ReadAllBytes(curve),
                    File.ReadAllBytes(Path.Combine(folder, "curves", Path.GetFileName(curve)))
                );
        }
        // On one slot the six coarse trials went out three and three: trials trained together, and
        // the plain lines, the report's timeline and its every-trial table say so.
        var groups = SweepFiles.Trials(one).Where(r => r.Status == "completed").GroupBy(r => r["group"]).ToArray();
        Assert.Contains(groups, g => g.Count() == 3);
        var log = processes.Output("sweep", one);
        Assert.Contains(log, l => l.Contains("trial 2 (") && l.Contains("together with trial 1"));
        var report = File.ReadAllText(Path.Combine(one, "report.html"));
        Assert.Contains("trial 1, hand-out 1 on", report);
        Assert.Contains("trained together with trials 2, 3", report);
        Assert.Contains("<th>group</th>", report);
        Assert.Contains(File.ReadAllLines(Path.Combine(one, "best-trial.conf")), l =>
            l.Trim().StartsWith("data-order-seed = ")
        );

        // The report's reproduce command gives the best trial's curve bit for bit.
        var best = SweepFiles
            .Trials(one)
            .Where(r => r.Status == "completed")
            .MaxBy(r => double.Parse(r["validationAccuracy"]))!;
        var train = Path.Combine(work, "reproduced");
        Assert.Equal(
            0,
            await processes
                .Start(
                    "train",
                    "--config",
                    Path.Combine(one, "best-trial.conf"),
                    "--seed",
                    best["seed"],
                    "--out",
                    train
                )
                .WaitAsync(Bound)
        );
        Assert.Equal(
            File.ReadAllBytes(Path.Combine(one, "curves", $"trial-{best.Trial}.csv")),
            File.ReadAllBytes(Path.Combine(train, "curves.csv"))
        );
    }

    /// <summary>trials.csv without the columns of where and how long each trial trained, row by row.</summary>
    private static string[] Deterministic(string folder) =>
        SweepFiles
            .Trials(folder)
            .Select(r =>
                string.Join(",", r.Cells.Where(c => !WhereAndHowLong.Contains(c.Key)).Select(c => $"{c.Key}={c.Value}"))
            )
            .ToArray();
}
