using Assignment3.Core.Training;

namespace Assignment3.Experiments.Sweeps;

/// <summary>Where a trial is in its life. The last three are final: nothing changes a trial after them.</summary>
public enum TrialPhase { Queued, Running, Completed, Diverged, Failed }

/// <summary>One hand-out of a trial to a worker slot, for the timeline: where, when, and how it ended.</summary>
public sealed record AttemptRecord(int Attempt, string Node, string Slot, DateTime Started, DateTime? Ended, string? Ending);

/// <summary>
/// A trial's lifecycle: one object per trial that has been handed out, changed only by the sweep's
/// events (<see cref="SweepState.Apply"/>), each of which checks that it is allowed from the current
/// phase. So a recorded trial can never be started again, whoever asks.
/// </summary>
public sealed class Trial(PlannedTrial plan)
{
    private readonly List<AttemptRecord> attempts = new();
    private readonly List<CurvePoint> livePoints = new();

    public PlannedTrial Plan { get; } = plan;
    public int Id => Plan.Id;
    public TrialPhase Phase { get; private set; } = TrialPhase.Queued;
    public bool IsFinal => Phase is TrialPhase.Completed or TrialPhase.Diverged or TrialPhase.Failed;

    /// <summary>Hand-outs so far; while running, the number of the current one.</summary>
    public int Attempt { get; private set; }

    /// <summary>Hand-outs that count against the sweep's attempt cap (not those lost with their node before reporting).</summary>
    public int ChargedAttempts { get; private set; }

    /// <summary>The node of the current or last hand-out.</summary>
    public string Node { get; private set; } = "";

    public TrialOutcome? Outcome { get; private set; }
    public IReadOnlyList<AttemptRecord> Attempts => attempts;

    /// <summary>Recording points of the running hand-out so far (the outcome holds the final curve).</summary>
    public IReadOnlyList<CurvePoint> LivePoints => livePoints;

    /// <summary>The latest recording point reached, final or live.</summary>
    public CurvePoint? LastPoint => Outcome is { Curve.Length: > 0 } o ? o.Curve[^1] : livePoints.Count > 0 ? livePoints[^1] : null;

    internal void Start(TrialStarted e)
    {
        Require(Phase == TrialPhase.Queued, e);
        if (e.Attempt <= Attempt) throw new InvalidSweepEventException($"trial {Id}: attempt {e.Attempt} follows attempt {Attempt}");
        (Phase, Attempt, Node) = (TrialPhase.Running, e.Attempt, e.Node);
        livePoints.Clear();
        attempts.Add(new AttemptRecord(e.Attempt, e.Node, e.Slot, e.At, null, null));
    }

    internal void Requeue(TrialRequeued e)
    {
        Require(Phase == TrialPhase.Running && e.Attempt == Attempt, e);
        Phase = TrialPhase.Queued;
        if (e.Charged) ChargedAttempts++;
        livePoints.Clear();
        EndAttempt(e.At, $"requeued: {e.Reason}");
    }

    internal void Record(TrialRecorded e)
    {
        Require(!IsFinal, e);
        Phase = e.Outcome.Status switch
        {
            TrialStatus.Completed => TrialPhase.Completed,
            TrialStatus.Diverged => TrialPhase.Diverged,
            _ => TrialPhase.Failed,
        };
        (Outcome, Node) = (e.Outcome, e.Node);
        livePoints.Clear();
        if (attempts.Count > 0 && attempts[^1].Ended is null)
            EndAttempt(e.At, e.Attempt == attempts[^1].Attempt ? Phase.ToString().ToLowerInvariant() : $"attempt {e.Attempt}'s late result came first");
    }

    internal void PointReached(TrialPointReached e)
    {
        if (Phase == TrialPhase.Running && e.Attempt == Attempt) livePoints.Add(e.Point);
    }

    private void EndAttempt(DateTime at, string ending) => attempts[^1] = attempts[^1] with { Ended = at, Ending = ending };

    private void Require(bool allowed, SweepEvent e)
    {
        if (!allowed) throw new InvalidSweepEventException($"trial {Id} is {Phase.ToString().ToLowerInvariant()}: {e.GetType().Name} is not allowed now");
    }
}

/// <summary>An event that does not fit the sweep's state (a damaged store, or a bug): the message says which and why.</summary>
public sealed class InvalidSweepEventException(string message) : Exception(message);
