using Assignment3.Sweeps.Hosting;
using Assignment3.Sweeps.Trials;

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

    private static FixedRunnerSource Source(ITrialRunner runner, string fingerprint = "fp") => new(fingerprint, runner);

    [Fact]
    public async Task An_embedded_sweep_records_every_trial_and_rewrites_the_tables_as_results_arrive()
    {
        var folder = NewFolder();
        var monitor = new SweepMonitor();
        var gate = new SemaphoreSlim(0);
        var runner = new FakeTrialRunner(gate: gate);
        await using var node = SweepHost.StartCoordinator(
            SweepConfigs.Small(),
            folder,
            monitor,
            "fp",
            Source(runner),
            slots: 2
        );
        var completion = node.Completion();

        // Let one trial through at a time and watch trials.csv follow.
        for (var done = 1; done <= 3; done++)
        {
            gate.Release();
            await Await.Until(() => monitor.Current.Completed == done, $"{done} trials completed", Bound);
            await Await.Until(
                () => SweepFiles.Trials(folder).Count(r => r.Status == "completed") == done,
                $"{done} completed rows in trials.csv",
                Bound
            );
        }
        gate.Release(100);
        var result = await completion.WaitAsync(Bound);

        Assert.Equal(9, result.Trials);
        SweepFiles.AssertEveryTrialOnceCompleted(folder, 9);
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
        await using (
            var alone = SweepHost.StartCoordinator(
                SweepConfigs.Small(),
                single,
                new SweepMonitor(),
                "fp",
                Source(new FakeTrialRunner()),
                slots: 1
            )
        )
            await alone.Completion().WaitAsync(Bound);

        var spread = NewFolder();
        await using var coordinator = SweepHost.StartCoordinator(
            SweepConfigs.Small(),
            spread,
            new SweepMonitor(),
            "fp",
            source: null,
            slots: 0
        );
        var (runnerA, runnerB) = (new FakeTrialRunner(), new FakeTrialRunner());
        await using var workerA = SweepHost.StartWorker(coordinator.NodeName, Source(runnerA), slots: 1);
        await using var workerB = SweepHost.StartWorker(coordinator.NodeName, Source(runnerB), slots: 1);
        await coordinator.Completion().WaitAsync(Bound);

        foreach (var stage in new[] { "coarse", "fine" })
            Assert.Equal(SweepFiles.Table(single, stage), SweepFiles.Table(spread, stage));
        Assert.Equal(9, runnerA.Runs + runnerB.Runs);
        var nodes = SweepFiles.Trials(spread).Select(r => r.Node).Distinct().ToArray();
        Assert.DoesNotContain(coordinator.NodeName, nodes);
        Assert.All(nodes, n => Assert.Contains(n, new[] { workerA.NodeName, workerB.NodeName }));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Nodes_on_IPv6_addresses_run_a_sweep(bool bracketedSeed)
    {
        var folder = NewFolder();
        await using var coordinator = SweepHost.StartCoordinator(
            SweepConfigs.Small(),
            folder,
            new SweepMonitor(),
            "fp",
            source: null,
            slots: 0,
            host: "::1"
        );
        var seed = bracketedSeed ? coordinator.NodeName : $"::1:{coordinator.Address.Port}";
        var runner = new FakeTrialRunner();
        await using var worker = SweepHost.StartWorker(seed, Source(runner), slots: 1, host: "::1");

        await coordinator.Completion().WaitAsync(Bound);

        Assert.Equal(9, runner.Runs);
    }

    [Fact]
    public async Task A_worker_node_with_other_data_is_refused_trains_nothing_and_the_coordinator_shows_why()
    {
        var folder = NewFolder();
        var monitor = new SweepMonitor();
        await using var coordinator = SweepHost.StartCoordinator(
            SweepConfigs.Small(),
            folder,
            monitor,
            "fp",
            source: null,
            slots: 0
        );
        var stranger = new FakeTrialRunner();
        await using var foreign = SweepHost.StartWorker(coordinator.NodeName, Source(stranger, "other-data"), slots: 1);
        var honest = new FakeTrialRunner();
        await using var worker = SweepHost.StartWorker(coordinator.NodeName, Source(honest), slots: 1);

        await coordinator.Completion().WaitAsync(Bound);

        Assert.Equal(0, stranger.Runs);
        Assert.Equal(9, honest.Runs);
        Assert.Contains("fingerprint other-data", await foreign.Refused.WaitAsync(Bound));
        Assert.Contains(monitor.Current.Refused, r =>
            r.Node == foreign.NodeName && r.Reason.Contains("the sweep's has fp")
        );
    }

    [Fact]
    public async Task Over_mutual_TLS_a_node_with_the_cluster_certificate_joins_and_one_without_it_is_refused()
    {
        var folder = NewFolder();
        var cluster = ClusterCertificate.Create(Path.Combine(folder, "cluster.pfx"), "secret");
        var other = ClusterCertificate.Create(Path.Combine(folder, "other.pfx"), "secret");
        await using var coordinator = SweepHost.StartCoordinator(
            SweepConfigs.Small(),
            folder,
            new SweepMonitor(),
            "fp",
            source: null,
            slots: 0,
            certificate: cluster
        );
        Assert.Equal("akka.ssl.tcp", coordinator.Address.Protocol);
        var stranger = new FakeTrialRunner();
        await using var intruder = SweepHost.StartWorker(
            coordinator.NodeName,
            Source(stranger),
            slots: 1,
            certificate: other
        );
        var honest = new FakeTrialRunner();
        await using var member = SweepHost.StartWorker(
            coordinator.NodeName,
            Source(honest),
            slots: 1,
            certificate: cluster
        );

        await coordinator.Completion().WaitAsync(Bound);

        Assert.Equal(9, honest.Runs);
        Assert.Equal(0, stranger.Runs);
        Assert.DoesNotContain(Akka.Cluster.Cluster.Get(coordinator.System).State.Members, m =>
            m.Address.Equals(intruder.Address)
        );
    }

    [Fact]
    public async Task A_coordinator_node_removed_from_its_own_cluster_says_so_instead_of_waiting_forever()
    {
        var folder = NewFolder();
        await using var coordinator = SweepHost.StartCoordinator(
            SweepConfigs.Small(),
            folder,
            new SweepMonitor(),
            "fp",
            source: null,
            slots: 0
        );
        var completion = coordinator.Completion();
        var cluster = Akka.Cluster.Cluster.Get(coordinator.System);
        await Await.Until(
            () => cluster.SelfMember.Status == Akka.Cluster.MemberStatus.Up,
            "the coordinator's node up",
            Bound
        );

        cluster.Down(cluster.SelfAddress);

        var e = await Assert.ThrowsAsync<CoordinatorRemovedException>(() => completion.WaitAsync(Bound));
        Assert.Contains("was removed from its own cluster", e.Message);
    }

    public void Dispose()
    {
        foreach (var folder in folders)
            Directory.Delete(folder, recursive: true);
    }
}
