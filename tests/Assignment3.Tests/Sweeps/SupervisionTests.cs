using Akka.Actor;
using Assignment3.Experiments.Sweeps;
using Assignment3.Sweeps.Hosting;
using Assignment3.Sweeps.Trials;

namespace Assignment3.Tests.Sweeps;

/// <summary>
/// The coordinator or the aggregator throwing (a fault injected from outside) stops the sweep with the
/// cause: never a restart that would leave the host waiting forever.
/// </summary>
public sealed class SupervisionTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly string folder = Directory.CreateTempSubdirectory("a3-supervision-").FullName;

    /// <summary>A journal with a bug: the n-th append throws what no storage code throws.</summary>
    private sealed class FaultyJournal(int failAt) : ISweepJournal
    {
        private int appended;

        public void Append(SweepEvent e, byte[]? checkpoint = null)
        {
            if (Interlocked.Increment(ref appended) == failAt)
                throw new InvalidOperationException("injected fault");
        }

        public byte[]? Checkpoint(int trial) => null;
    }

    [Fact]
    public async Task A_coordinator_that_throws_is_stopped_and_the_sweep_ends_naming_it_and_the_cause()
    {
        await using var node = SweepHost.StartCoordinator(
            SweepConfigs.Small(),
            folder,
            new SweepMonitor(),
            "fp",
            new FixedRunnerSource("fp", new FakeTrialRunner()),
            slots: 2,
            journal: new FaultyJournal(failAt: 5)
        );

        var e = await Assert.ThrowsAsync<SweepStoppedException>(() => node.Completion().WaitAsync(Bound));

        Assert.Contains("coordinator stopped after an error (InvalidOperationException: injected fault)", e.Message);
        Assert.True(await node.Coordinator!.WatchAsync().WaitAsync(Bound)); // stopped, not restarted
    }

    [Fact]
    public async Task An_aggregator_that_throws_is_stopped_and_the_sweep_ends_naming_it_and_the_cause()
    {
        var gate = new SemaphoreSlim(0);
        await using var node = SweepHost.StartCoordinator(
            SweepConfigs.Small(),
            folder,
            new SweepMonitor(),
            "fp",
            new FixedRunnerSource("fp", new FakeTrialRunner(gate: gate)),
            slots: 1
        );
        var completion = node.Completion();

        // An event its state refuses (as from a coordinator with a bug): trial 8 never started.
        node.Aggregator!.Tell(new TrialRecorded(8, 1, "node", TrialOutcome.Failure("x")));

        var e = await Assert.ThrowsAsync<SweepStoppedException>(() => completion.WaitAsync(Bound));
        Assert.Contains(
            "aggregator stopped after an error (InvalidSweepEventException: TrialRecorded for trial 8, which never started)",
            e.Message
        );
        gate.Release(100);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
