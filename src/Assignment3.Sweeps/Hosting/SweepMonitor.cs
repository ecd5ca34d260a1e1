namespace Assignment3.Sweeps.Hosting;

/// <summary>
/// A running trial as the live view shows it: the step it is at, the step this hand-out goes to, the
/// group it trains in (its first trial), and its parameters as the plain lines name it.
/// </summary>
public sealed record RunningTrial(
    int Trial,
    string Node,
    int Step,
    int TotalSteps,
    int Group = 0,
    string Parameters = ""
);

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
    IReadOnlyList<(string Node, string Reason)> Refused
)
{
    /// <summary>Trials the stage's policy stopped early (final).</summary>
    public int Stopped { get; init; }

    /// <summary>Trials waiting at a rung for the policy.</summary>
    public int Paused { get; init; }

    /// <summary>The current stage's rungs, one line each (stages with early stopping).</summary>
    public IReadOnlyList<string> Rungs { get; init; } = [];

    public int Recorded => Completed + Failed + Diverged + Stopped;
}

/// <summary>
/// Where the aggregator publishes snapshots and news lines (<see cref="SweepNews"/>) and the terminal
/// reads them (thread-safe). News is kept only for a reader that asked for it.
/// </summary>
public sealed class SweepMonitor(bool keepNews = false)
{
    private SweepSnapshot snapshot = new("", 0, 0, 0, 0, 0, [], null, TimeSpan.Zero, null, false, []);
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> news = new();

    public SweepSnapshot Current => Volatile.Read(ref snapshot);

    public void Publish(SweepSnapshot next) => Volatile.Write(ref snapshot, next);

    public void Announce(string line)
    {
        if (keepNews)
            news.Enqueue(line);
    }

    /// <summary>The news lines announced since the last call, oldest first.</summary>
    public IReadOnlyList<string> TakeNews()
    {
        var lines = new List<string>();
        while (news.TryDequeue(out var line))
            lines.Add(line);
        return lines;
    }
}
