using Assignment3.Experiments.Sweeps;
using Assignment3.Storage;

namespace Assignment3.Sweeps.Hosting;

/// <summary>Where the coordinator makes each event durable before acting on it.</summary>
public interface ISweepJournal
{
    /// <summary>Throws when the event cannot be made durable (store unwritable, disk full): the sweep must stop.</summary>
    void Append(SweepEvent e);
}

/// <summary>No durability (tests of the coordinator alone, benchmarks of the machinery without a disk).</summary>
public sealed class NoJournal : ISweepJournal
{
    public static readonly NoJournal Instance = new();
    public void Append(SweepEvent e) { }
}

/// <summary>The journal in the sweep's SQLite store.</summary>
public sealed class StoreJournal(SweepStore store) : ISweepJournal
{
    public void Append(SweepEvent e) => store.Append(e);
}
