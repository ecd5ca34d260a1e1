using Assignment3.Tests.Data;

namespace Assignment3.Tests.Sweeps;

/// <summary>
/// Successive halving with real trainers in real processes: which trials go on, and the tables they
/// leave, are the same on one slot, two slots, or a coordinator with two worker nodes.
/// </summary>
[Collection(nameof(ProcessCollection))]
public sealed class ProcessEarlyStoppingTests(Xunit.Abstractions.ITestOutputHelper output) : SweepProcessTest("a3-sha-")
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Successive_halving_gives_the_same_promotions_and_tables_on_one_slot_two_slots_and_two_worker_nodes()
    {
        using var processes = new A3Processes(data.Root, output);
        var (one, two, spread) = await processes.SweepThreeWays(
            RepoPaths.Config("smoke-sha.conf"),
            work,
            LoopbackFileServer.FreePort(),
            Bound
        );

        foreach (var folder in new[] { one, two, spread })
        {
            SweepFiles.AssertEveryTrialOnceFinal(folder, 12);
            Assert.Equal(6, SweepFiles.Trials(folder).Count(r => r.Status == "stopped")); // 9 -> 3 in coarse; fine is a grid
        }
        foreach (var folder in new[] { two, spread })
        {
            Assert.Equal(SweepFiles.Table(one, "coarse"), SweepFiles.Table(folder, "coarse"));
            Assert.Equal(SweepFiles.Rungs(one, "coarse"), SweepFiles.Rungs(folder, "coarse"));
            Assert.Equal(SweepFiles.Table(one, "fine"), SweepFiles.Table(folder, "fine"));
        }
    }
}
