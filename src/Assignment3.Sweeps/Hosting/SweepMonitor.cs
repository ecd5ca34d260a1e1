namespace Assignment3.Sweeps.Hosting;

/// <summary>A running trial as the live view shows it.</summary>
public sealed record RunningTrial(int Trial, string Node, int Step, int TotalSteps);

/// <summary>The sweep at one moment, for the terminal.</summary>
public sealed record SweepSnapshot(
    string Stage,
    int Planned,
    int Completed,
    int Failed,
    int Diverged,
    int Queued,
    IReadOnlyList<RunningTrial> Running,
    (int Trial, double ValidationAccuracy)? Best,
    TimeSpan Elapsed,
    TimeSpan? Remaining,
    bool Done,
    IReadOnlyList<(string Node, string Reason)> Refused)
{
    public int Recorded => Completed + Failed + Diverged;
}

/// <summary>Where the aggregator publishes snapshots and the terminal reads them (thread-safe).</summary>
public sealed class SweepMonitor
{
    private SweepSnapshot snapshot = new("", 0, 0, 0, 0, 0, [], null, TimeSpan.Zero, null, false, []);

    public SweepSnapshot Current => Volatile.Read(ref snapshot);

    public void Publish(SweepSnapshot next) => Volatile.Write(ref snapshot, next);
}
