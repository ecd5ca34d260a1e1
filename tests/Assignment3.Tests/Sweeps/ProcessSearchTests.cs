using Assignment3.Experiments.Sweeps;
using Assignment3.Storage;
using Assignment3.Tests.Data;
using Xunit.Abstractions;

namespace Assignment3.Tests.Sweeps;

/// <summary>
/// A search sweep (configs/smoke-search.conf: GP, 12 trials in rounds of 3) as real processes: the
/// same proposals, search record and tables on one slot, two slots and a coordinator with two worker
/// processes; warm starts from an earlier sweep's folder; a bad search section refused with exit 2.
/// </summary>
[Collection(nameof(ProcessCollection))]
public sealed class ProcessSearchTests(ITestOutputHelper output) : SweepProcessTest("a3-search-")
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);
    private static string Config => RepoPaths.Config("smoke-search.conf");

    private static string SearchRecord(string folder) => File.ReadAllText(Path.Combine(folder, "search-coarse.csv"));

    [Fact]
    public async Task One_slot_two_slots_and_two_worker_processes_give_the_same_proposals_and_tables()
    {
        using var processes = new A3Processes(data.Root, output);
        var port = LoopbackFileServer.FreePort();

        var (one, two, spread) = await processes.SweepThreeWays(Config, work, port, Bound);

        SweepFiles.AssertEveryTrialOnceCompleted(one, 12);
        Assert.Contains("4 rounds", File.ReadAllText(Path.Combine(one, "search-coarse.md")));
        foreach (var folder in new[] { two, spread })
        {
            Assert.Equal(SearchRecord(one), SearchRecord(folder));
            Assert.Equal(SweepFiles.Table(one), SweepFiles.Table(folder));
        }
        Assert.DoesNotContain(SweepFiles.Trials(spread), r => r.Node == $"127.0.0.1:{port}");
    }

    [Fact]
    public async Task Two_objectives_give_the_same_front_on_one_slot_two_slots_two_workers_and_after_a_SIGKILL_and_resume()
    {
        using var processes = new A3Processes(data.Root, output);
        var config = RepoPaths.Config("smoke-pareto.conf");
        var (one, two, spread) = await processes.SweepThreeWays(config, work, LoopbackFileServer.FreePort(), Bound);
        var killed = Path.Combine(work, "killed");
        var first = processes.Start("sweep", config, "--out", killed, "--slots", "2");
        await Await.Until(
            () => SweepFiles.Trials(killed).Count(r => r.Status == "completed") >= 5,
            "five trials recorded"
        );
        first.Signal("KILL");
        await first.WaitAsync(Bound);
        Assert.Equal(0, await processes.Start("sweep", "--resume", killed).WaitAsync(Bound));

        string Front(string folder) => File.ReadAllText(Path.Combine(folder, "pareto-coarse.csv"));
        string[] Confs(string folder) =>
            Directory
                .GetFiles(Path.Combine(folder, "front"))
                .Select(f => $"{Path.GetFileName(f)}\n{File.ReadAllText(f)}")
                .Order()
                .ToArray();
        SweepFiles.AssertEveryTrialOnceCompleted(one, 12);
        Assert.NotEmpty(Confs(one));
        foreach (var folder in new[] { two, spread, killed })
        {
            Assert.Equal(Front(one), Front(folder));
            Assert.Equal(Confs(one), Confs(folder));
            Assert.Equal(SearchRecord(one), SearchRecord(folder));
        }
    }

    [Fact]
    public async Task A_warm_start_learns_from_an_earlier_sweep_and_a_space_that_does_not_match_is_refused()
    {
        using var processes = new A3Processes(data.Root, output);
        var earlier = Path.Combine(work, "earlier");
        Assert.Equal(0, await processes.Start("sweep", Config, "--out", earlier, "--slots", "2").WaitAsync(Bound));
        var text = File.ReadAllText(Config);
        var warm = Path.Combine(work, "warm.conf");
        File.WriteAllText(
            warm,
            text.Replace("seed = 7", "seed = 8").Replace("    lag = 1", "    lag = 1\n    warm-start = [earlier]")
        );
        var cold = Path.Combine(work, "cold.conf");
        File.WriteAllText(cold, text.Replace("seed = 7", "seed = 8"));

        Assert.Equal(
            0,
            await processes.Start("sweep", warm, "--out", Path.Combine(work, "warm"), "--slots", "2").WaitAsync(Bound)
        );
        Assert.Equal(
            0,
            await processes.Start("sweep", cold, "--out", Path.Combine(work, "cold"), "--slots", "2").WaitAsync(Bound)
        );

        var events = SweepStore.Read(Path.Combine(work, "warm")).Events;
        var started = Assert.IsType<SearchWarmStarted>(events[0]);
        Assert.Equal(12, started.Points.Length);
        Assert.Equal([earlier], started.Sources);
        // Nothing known is evaluated again (not even the enqueued point: the earlier sweep has its result),
        // and the model's rounds learn from 12 more results than a cold start.
        string[] Round(string folder, int round) =>
            SweepStore
                .Read(folder)
                .Events.OfType<RoundProposed>()
                .Where(r => r.Round == round)
                .SelectMany(r => r.Points)
                .Select(Assignment3.Experiments.Search.ProposalSet.Key)
                .ToArray();
        var known = started.Points.Select(Assignment3.Experiments.Search.ProposalSet.Key).ToHashSet();
        Assert.DoesNotContain(
            Enumerable.Range(0, 4).SelectMany(r => Round(Path.Combine(work, "warm"), r)),
            known.Contains
        );
        Assert.Contains(Round(Path.Combine(work, "cold"), 0)[0], known); // the enqueued point, which the cold start evaluates
        Assert.NotEqual(Round(Path.Combine(work, "cold"), 1), Round(Path.Combine(work, "warm"), 1));

        var mismatched = Path.Combine(work, "mismatched.conf");
        File.WriteAllText(
            mismatched,
            File.ReadAllText(warm)
                .Replace("      width-2 = { log-uniform = [5, 40] }\n", "")
                .Replace(", width-2 = 10", "")
        );
        var refused = processes.Start("sweep", mismatched, "--out", Path.Combine(work, "refused"));
        Assert.Equal(2, await refused.WaitAsync(Bound));
        Assert.Contains(refused.Output, l =>
            l.Contains("sweep.search.warm-start[0]") && l.Contains("needs the same keys")
        );
        Assert.False(Directory.Exists(Path.Combine(work, "refused")), "nothing is written for a refused config");
    }

    [Fact]
    public async Task An_unknown_search_method_exits_2_naming_the_key()
    {
        using var processes = new A3Processes(data.Root, output);
        var bad = Path.Combine(work, "bad.conf");
        File.WriteAllText(bad, File.ReadAllText(Config).Replace("method = gp", "method = bayes"));

        var run = processes.Start("sweep", bad, "--out", Path.Combine(work, "bad"));

        Assert.Equal(2, await run.WaitAsync(Bound));
        Assert.Contains(run.Output, l =>
            l.Contains("sweep.search.method: 'bayes' is not a search method; expected random, gp, tpe")
        );
    }
}
