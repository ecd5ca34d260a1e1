using Assignment3.Experiments.Sweeps;
using Assignment3.Storage;
using Assignment3.Sweeps.Hosting;
using Assignment3.Sweeps.Protocol;
using Assignment3.Sweeps.Trials;
using Assignment3.Tests.Sweeps;

namespace Assignment3.Tests.Support;

/// <summary>
/// Sweeps run to completion in this process (one actor system, the fake trainer, a real store), each
/// in a folder of its own that is removed with this object.
/// </summary>
public sealed class InProcessSweeps(string prefix) : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly List<string> folders = new();

    /// <summary>The sweep on <paramref name="slots"/> slots; each hand-out pretends to train for <paramref name="delay"/> of it.</summary>
    public async Task<string> Run(SweepConfig config, int slots, Func<AssignTrial, TimeSpan>? delay = null)
    {
        var folder = Directory.CreateTempSubdirectory(prefix).FullName;
        folders.Add(folder);
        using var store = SweepStore.Create(folder, config.Text);
        await using (
            var node = SweepHost.StartCoordinator(
                config,
                folder,
                new SweepMonitor(),
                "fp",
                new FixedRunnerSource("fp", new FakeTrialRunner(delay: delay)),
                slots,
                journal: new StoreJournal(store)
            )
        )
            await node.Completion().WaitAsync(Bound);
        return folder;
    }

    /// <summary>
    /// Hand-outs finish in an order scrambled by a seed (each trial and starting step its own 0-40 ms):
    /// results arrive in another order than trials went out.
    /// </summary>
    public static Func<AssignTrial, TimeSpan> Scrambled(int seed) =>
        t => TimeSpan.FromMilliseconds(new Random(seed * 7919 + t.Trial * 31 + t.FromStep).Next(0, 40));

    public void Dispose()
    {
        foreach (var folder in folders)
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException) { }
    }
}
