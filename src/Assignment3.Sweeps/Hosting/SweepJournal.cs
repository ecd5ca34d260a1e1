using Assignment3.Experiments.Sweeps;
using Assignment3.Storage;

namespace Assignment3.Sweeps.Hosting;

/// <summary>Where the coordinator makes each event durable before acting on it, and keeps trials' checkpoints.</summary>
public interface ISweepJournal
{
    /// <summary>
    /// Makes the event durable, with the checkpoint it names (a <see cref="TrialCheckpointed"/> or
    /// <see cref="TrialPaused"/>); the checkpoint of a trial that ends is dropped. Throws when it
    /// cannot (store unwritable, disk full): the sweep must stop.
    /// </summary>
    void Append(SweepEvent e, byte[]? checkpoint = null);

    /// <summary>The trial's latest checkpoint, or null.</summary>
    byte[]? Checkpoint(int trial);
}

/// <summary>No durability (tests of the coordinator alone, benchmarks of the machinery without a disk): checkpoints in memory.</summary>
public sealed class NoJournal : ISweepJournal
{
    private readonly Dictionary<int, byte[]> checkpoints = new();

    public void Append(SweepEvent e, byte[]? checkpoint = null)
    {
        switch (e)
        {
            case TrialCheckpointed c when checkpoint is not null:
                checkpoints[c.Trial] = checkpoint;
                break;
            case TrialPaused p when checkpoint is not null:
                checkpoints[p.Trial] = checkpoint;
                break;
            case TrialStopped s:
                checkpoints.Remove(s.Trial);
                break;
            case TrialRecorded r:
                checkpoints.Remove(r.Trial);
                break;
        }
    }

    public byte[]? Checkpoint(int trial) => checkpoints.GetValueOrDefault(trial);
}

/// <summary>The journal in the sweep's SQLite store.</summary>
public sealed class StoreJournal(SweepStore store) : ISweepJournal
{
    public void Append(SweepEvent e, byte[]? checkpoint = null) => store.Append(e, checkpoint);

    public byte[]? Checkpoint(int trial) => store.Checkpoint(trial)?.Bytes;
}
