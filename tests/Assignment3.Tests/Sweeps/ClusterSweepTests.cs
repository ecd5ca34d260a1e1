using Assignment3.Sweeps.Hosting;

namespace Assignment3.Tests.Sweeps;

/// <summary>Whole sweeps on real actor systems on 127.0.0.1, with the fake trainer.</summary>
public sealed class ClusterSweepTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly List<string> folders = new();

    private string NewFolder()
    {
        var folder = Directory.CreateTempSubdirectory("a3-sweep-").FullName;
        folders.Add(folder);
        return folder;
    }

    [Fact]
    public async Task An_embedded_sweep_records_every_trial_and_rewrites_the_tables_as_results_arrive()
    {
        var folder = NewFolder();
        var monitor = new SweepMonitor();
        var gate = new SemaphoreSlim(0);
        var runner = new FakeTrialRunner(gate: gate);
        await using var node = SweepHost.StartCoordinator(SweepConfigs.Small(), folder, monitor, "fp", runner, slots: 2);
        var completion = node.Completion();

        // Let one trial through at a time and watch trials.csv follow.
        for (var done = 1; done <= 3; done++)
        {
            gate.Release();
            await Until(() => monitor.Current.Completed == done);
            await Until(() => File.ReadAllLines(Path.Combine(folder, "trials.csv")).Count(r => r.Contains(",completed,")) == done);
        }
        gate.Release(100);
        var result = await completion.WaitAsync(Bound);

        Assert.Equal(9, result.Trials);
        var trials = File.ReadAllLines(Path.Combine(folder, "trials.csv"));
        Assert.Equal(10, trials.Length);
        Assert.All(trials.Skip(1), row => Assert.Contains(",completed,", row));
        Assert.True(File.Exists(Path.Combine(folder, "table-coarse.md")));
        Assert.True(File.Exists(Path.Combine(folder, "table-fine.md")));
        Assert.True(File.Exists(Path.Combine(folder, "summary.json")));
        Assert.True(File.Exists(Path.Combine(folder, "curves", "trial-9.csv")));
        Assert.Equal(9, runner.Runs);
    }

    [Fact]
    public async Task Two_worker_nodes_joined_over_loopback_produce_the_single_node_table()
    {
        var single = NewFolder();
        await using (var alone = SweepHost.StartCoordinator(SweepConfigs.Small(), single, new SweepMonitor(), "fp", new FakeTrialRunner(), slots: 1))
            await alone.Completion().WaitAsync(Bound);

        var spread = NewFolder();
        await using var coordinator = SweepHost.StartCoordinator(SweepConfigs.Small(), spread, new SweepMonitor(), "fp", runner: null, slots: 0);
        var seed = $"{coordinator.Address.Host}:{coordinator.Address.Port}";
        var (runnerA, runnerB) = (new FakeTrialRunner(), new FakeTrialRunner());
        await using var workerA = SweepHost.StartWorker(seed, runnerA, slots: 1, "fp");
        await using var workerB = SweepHost.StartWorker(seed, runnerB, slots: 1, "fp");
        await coordinator.Completion().WaitAsync(Bound);

        foreach (var table in new[] { "table-coarse.md", "table-fine.md" })
            Assert.Equal(File.ReadAllText(Path.Combine(single, table)), File.ReadAllText(Path.Combine(spread, table)));
        Assert.Equal(9, runnerA.Runs + runnerB.Runs);
        var nodes = File.ReadAllLines(Path.Combine(spread, "trials.csv")).Skip(1).Select(r => r.Split(',')[^3]).Distinct().ToArray();
        Assert.DoesNotContain(coordinator.NodeName, nodes);
        Assert.All(nodes, n => Assert.Contains(n, new[] { workerA.NodeName, workerB.NodeName }));
    }

    [Fact]
    public async Task A_worker_node_with_other_data_trains_nothing()
    {
        var folder = NewFolder();
        var monitor = new SweepMonitor();
        await using var coordinator = SweepHost.StartCoordinator(SweepConfigs.Small(), folder, monitor, "fp", runner: null, slots: 0);
        var seed = $"{coordinator.Address.Host}:{coordinator.Address.Port}";
        var stranger = new FakeTrialRunner();
        await using var foreign = SweepHost.StartWorker(seed, stranger, slots: 1, "other-data");
        var honest = new FakeTrialRunner();
        await using var worker = SweepHost.StartWorker(seed, honest, slots: 1, "fp");

        await coordinator.Completion().WaitAsync(Bound);

        Assert.Equal(0, stranger.Runs);
        Assert.Equal(9, honest.Runs);
    }

    [Fact]
    public async Task Over_mutual_TLS_a_node_with_the_cluster_certificate_joins_and_one_without_it_is_refused()
    {
        var folder = NewFolder();
        var cluster = ClusterCertificate.Create(Path.Combine(folder, "cluster.pfx"), "secret");
        var other = ClusterCertificate.Create(Path.Combine(folder, "other.pfx"), "secret");
        await using var coordinator = SweepHost.StartCoordinator(SweepConfigs.Small(), folder, new SweepMonitor(), "fp", runner: null, slots: 0, certificate: cluster);
        Assert.Equal("akka.ssl.tcp", coordinator.Address.Protocol);
        var seed = $"{coordinator.Address.Host}:{coordinator.Address.Port}";
        var stranger = new FakeTrialRunner();
        await using var intruder = SweepHost.StartWorker(seed, stranger, slots: 1, "fp", certificate: other);
        var honest = new FakeTrialRunner();
        await using var member = SweepHost.StartWorker(seed, honest, slots: 1, "fp", certificate: cluster);

        await coordinator.Completion().WaitAsync(Bound);

        Assert.Equal(9, honest.Runs);
        Assert.Equal(0, stranger.Runs);
        Assert.DoesNotContain(Akka.Cluster.Cluster.Get(coordinator.System).State.Members, m => m.Address.Equals(intruder.Address));
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not reached");
            await Task.Delay(20);
        }
    }

    public void Dispose()
    {
        foreach (var folder in folders) Directory.Delete(folder, recursive: true);
    }
}
