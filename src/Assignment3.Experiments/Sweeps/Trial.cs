using Assignment3.Core.Training;

namespace Assignment3.Experiments.Sweeps;

/// <summary>
/// Where a trial is in its life. Queued: waiting for a slot (new, or back from a lost worker, to go
/// on from its latest checkpoint). Running: training on a slot. Paused: stopped at a decision point
/// of its stage's policy (a rung), checkpointed, waiting for the decision. Promoted: allowed to go on
/// to a larger budget, waiting for a slot. The last four are final: Stopped (early, by the policy),
/// Completed, Diverged, Failed.
/// </summary>
public enum TrialPhase
{
    Queued,
    Running,
    Paused,
    Promoted,
    Stopped,
    Completed,
    Diverged,
    Failed,
}

public static class TrialPhases
{
    private static readonly string[] Texts = Enum.GetValues<TrialPhase>()
        .Select(p => p.ToString().ToLowerInvariant())
        .ToArray();

    /// <summary>The phase as files and pages write it (lower case): text only at that boundary.</summary>
    public static string Text(this TrialPhase phase) => Texts[(int)phase];

    /// <summary>Whether nothing can change the trial any more.</summary>
    public static bool IsFinal(this TrialPhase phase) =>
        phase is TrialPhase.Stopped or TrialPhase.Completed or TrialPhase.Diverged or TrialPhase.Failed;
}

/// <summary>
/// How a hand-out ended: at a rung, back to the queue (lost, failed, or released from its group for a
/// free slot), or with the trial's final result (or another hand-out's, first).
/// </summary>
public enum AttemptEnd
{
    Paused,
    Requeued,
    Released,
    Completed,
    Diverged,
    Failed,
    Superseded,
}

/// <summary>
/// One hand-out of a trial to a worker slot, for the timeline: where, when, which steps, the group it
/// trained in (its first trial; the trial itself when alone), and how it ended (null while it runs),
/// with what the ending says in words (the step it paused at, why it was requeued).
/// </summary>
public sealed record AttemptRecord(
    int Attempt,
    string Node,
    string Slot,
    DateTime Started,
    DateTime? Ended,
    AttemptEnd? End,
    string? Detail,
    int FromStep = 0,
    int ToStep = 0,
    int Group = 0
);

/// <summary>
/// A trial's lifecycle: one object per trial that has been handed out, changed only by the sweep's
/// events (<see cref="SweepState.Apply"/>), each checked whole (<see cref="Check"/>) before any change:
/// allowed from the current phase, or refused with nothing changed. So a final trial can never be
/// started again, whoever asks.
/// </summary>
public sealed class Trial(PlannedTrial plan)
{
    // An array exactly as long as the hand-outs (most trials have one): a list would add an object to every trial.
    private AttemptRecord[] attempts = [];

    // Made when first needed: most trials of a large sweep never have live points, and a final
    // trial's curve is its outcome's.
    private List<CurvePoint>? livePoints;
    private List<CurvePoint>? curve;
    private double attemptSecondsCounted;

    public PlannedTrial Plan { get; } = plan;
    public int Id => Plan.Id;
    public TrialPhase Phase { get; private set; } = TrialPhase.Queued;
    public bool IsFinal => Phase.IsFinal();

    /// <summary>Hand-outs so far; while running, the number of the current one.</summary>
    public int Attempt { get; private set; }

    /// <summary>Hand-outs that count against the sweep's attempt cap (not those lost with their node before reporting).</summary>
    public int ChargedAttempts { get; private set; }

    /// <summary>The node of the current or last hand-out.</summary>
    public string Node { get; private set; } = "";

    /// <summary>The group the current or last hand-out trained in: its first trial (the trial itself when alone; 0 before any hand-out).</summary>
    public int Group => attempts.Length > 0 ? attempts[^1].Group : 0;

    /// <summary>How often the policy let the trial go on (its rung: 0 until first promoted).</summary>
    public int Rung { get; private set; }

    /// <summary>The step of the latest stored checkpoint (0: none): where the trial goes on from.</summary>
    public int CheckpointStep { get; private set; }

    /// <summary>The step the current or next hand-out trains to.</summary>
    public int TargetStep { get; private set; }

    /// <summary>The figures of the last pause (at <see cref="CheckpointStep"/>), with the curve to there; null before any.</summary>
    public TrialOutcome? PausedOutcome { get; private set; }

    /// <summary>Why the policy stopped it, when it did.</summary>
    public string? StopReason { get; private set; }

    /// <summary>The final result (for a stopped trial, the figures it was stopped with).</summary>
    public TrialOutcome? Outcome { get; private set; }

    /// <summary>Training seconds that count: every stored stretch of every hand-out.</summary>
    public double Seconds { get; private set; }

    /// <summary>Update steps trained by hand-outs whose worker was lost, beyond their last checkpoint: work done twice.</summary>
    public int StepsLost { get; private set; }

    public IReadOnlyList<AttemptRecord> Attempts => attempts;

    /// <summary>Hand-outs ended on purpose so that a free slot goes on with the trial (<see cref="TrialRequeued.Released"/>).</summary>
    public int Releases { get; private set; }

    /// <summary>Hand-outs as trials.csv counts them: a release and the hand-out after it count as one.</summary>
    public int CountedAttempts => Attempt - Releases;

    /// <summary>Every stored recording point from step 0 (the final curve once recorded).</summary>
    public IReadOnlyList<CurvePoint> Curve => curve ?? (IReadOnlyList<CurvePoint>?)Outcome?.Curve ?? [];

    /// <summary>Recording points of the running hand-out past the stored curve (the live view's).</summary>
    public IReadOnlyList<CurvePoint> LivePoints => livePoints ?? [];

    /// <summary>The latest recording point reached, stored or live.</summary>
    public CurvePoint? LastPoint =>
        livePoints is [.., var live] ? live
        : Curve is [.., var stored] ? stored
        : null;

    /// <summary>The step reached so far: the final step, the pause, or the latest point of the running hand-out.</summary>
    public int StepReached => Outcome?.UpdateSteps ?? LastPoint?.Step ?? 0;

    /// <summary>The furthest step trained, counting the running hand-out's latest point.</summary>
    public int Reached => Math.Max(StepReached, LastPoint?.Step ?? 0);

    /// <summary>The validation accuracy the policy sees at a recording step, if the trial got there.</summary>
    public double? ValidationAccuracyAt(int step) =>
        Curve.FirstOrDefault(p => p.Step == step) is { } p ? p.ValidationAccuracy : null;

    /// <summary>The best validation accuracy at any stored recording point up to a step.</summary>
    public double? BestValidationAccuracyUpTo(int step) =>
        Curve.Where(p => p.Step <= step).Select(p => (double?)p.ValidationAccuracy).Max();

    /// <summary>Whether the latest hand-out replaces one that ended without a result (not a promotion).</summary>
    public bool Retried { get; private set; }

    /// <summary>Throws <see cref="InvalidSweepEventException"/> when the event is not allowed now; changes nothing.</summary>
    internal void Check(SweepEvent e)
    {
        switch (e)
        {
            case TrialStarted started:
                CheckStart(started);
                break;
            case TrialCheckpointed checkpointed:
                CheckCheckpoint(checkpointed);
                break;
            case TrialPaused paused:
                CheckPause(paused);
                break;
            case TrialPromoted promoted:
                CheckPromote(promoted);
                break;
            case TrialStopped stopped:
                Require(Phase == TrialPhase.Paused, stopped);
                break;
            case TrialRequeued requeued:
                Require(Phase == TrialPhase.Running && requeued.Attempt == Attempt, requeued);
                break;
            case TrialRecorded recorded:
                Require(!IsFinal, recorded);
                break;
        }
    }

    private void CheckStart(TrialStarted e)
    {
        Require(Phase is TrialPhase.Queued or TrialPhase.Promoted, e);
        if (e.Attempt <= Attempt)
            throw new InvalidSweepEventException($"trial {Id}: attempt {e.Attempt} follows attempt {Attempt}");
        if (e.FromStep != CheckpointStep)
            throw new InvalidSweepEventException(
                $"trial {Id} starts at step {e.FromStep}, but its latest checkpoint is at step {CheckpointStep}"
            );
        if (e.ToStep <= e.FromStep || e.ToStep > Plan.Config.TotalSteps)
            throw new InvalidSweepEventException(
                $"trial {Id}: cannot train from step {e.FromStep} to step {e.ToStep} of {Plan.Config.TotalSteps}"
            );
    }

    private void CheckCheckpoint(TrialCheckpointed e)
    {
        Require(Phase == TrialPhase.Running && e.Attempt == Attempt, e);
        if (e.Step <= CheckpointStep || e.Step > TargetStep)
            throw new InvalidSweepEventException(
                $"trial {Id}: a checkpoint at step {e.Step} does not lie after step {CheckpointStep} and up to step {TargetStep}"
            );
    }

    private void CheckPause(TrialPaused e)
    {
        Require(Phase == TrialPhase.Running && e.Attempt == Attempt, e);
        if (e.Outcome.UpdateSteps != TargetStep || e.Outcome.UpdateSteps >= Plan.Config.TotalSteps)
            throw new InvalidSweepEventException(
                $"trial {Id} pauses at step {e.Outcome.UpdateSteps}, but it was sent to step {TargetStep} (of {Plan.Config.TotalSteps})"
            );
    }

    private void CheckPromote(TrialPromoted e)
    {
        Require(Phase == TrialPhase.Paused, e);
        if (e.ToStep <= CheckpointStep || e.ToStep > Plan.Config.TotalSteps)
            throw new InvalidSweepEventException(
                $"trial {Id} is promoted to step {e.ToStep}, not beyond its step {CheckpointStep} and up to {Plan.Config.TotalSteps}"
            );
    }

    // Each change below is checked whole by Check first (SweepState.Apply), so none is ever half done.

    internal void Start(TrialStarted e)
    {
        // Queued again after a start: its hand-out was lost (or released from its group, which is no loss).
        Retried = Phase == TrialPhase.Queued && Attempt > 0 && attempts[^1].End != AttemptEnd.Released;
        (Phase, Attempt, Node, TargetStep) = (TrialPhase.Running, e.Attempt, e.Node, e.ToStep);
        livePoints = null;
        attemptSecondsCounted = 0;
        attempts =
        [
            .. attempts,
            new AttemptRecord(e.Attempt, e.Node, e.Slot, e.At, null, null, null, e.FromStep, e.ToStep, e.GroupOf),
        ];
    }

    internal void Checkpointed(TrialCheckpointed e)
    {
        Extend(e.Points, e.Step);
        CheckpointStep = e.Step;
        CountSeconds(e.Seconds);
        livePoints?.RemoveAll(p => p.Step <= e.Step);
    }

    internal void Pause(TrialPaused e)
    {
        var step = e.Outcome.UpdateSteps;
        Extend(e.Outcome.Curve, step);
        CheckpointStep = step;
        CountSeconds(e.Outcome.Seconds);
        (Phase, Node) = (TrialPhase.Paused, e.Node);
        PausedOutcome = e.Outcome with { Curve = [.. Curve], Seconds = Seconds };
        livePoints = null;
        EndAttempt(e.At, AttemptEnd.Paused, $"paused at step {step}");
    }

    internal void Promote(TrialPromoted e)
    {
        (Phase, TargetStep) = (TrialPhase.Promoted, e.ToStep);
        Rung++;
    }

    internal void Stop(TrialStopped e)
    {
        (Phase, StopReason, Outcome) = (TrialPhase.Stopped, e.Reason, PausedOutcome);
        curve = null; // the outcome holds it
    }

    internal void Requeue(TrialRequeued e)
    {
        Phase = TrialPhase.Queued;
        if (e.Charged)
            ChargedAttempts++;
        if (e.Released)
            Releases++;
        if (livePoints is [.., var last])
            StepsLost += last.Step - CheckpointStep;
        livePoints = null;
        EndAttempt(e.At, e.Released ? AttemptEnd.Released : AttemptEnd.Requeued, $"requeued: {e.Reason}");
    }

    internal void Record(TrialRecorded e)
    {
        Phase = e.Outcome.Status switch
        {
            TrialStatus.Completed => TrialPhase.Completed,
            TrialStatus.Diverged => TrialPhase.Diverged,
            _ => TrialPhase.Failed,
        };
        // A failure without a curve keeps the one stored before it. Otherwise the event's outcome is kept as it
        // is: in one process the coordinator's state and the aggregator's then share it.
        var outcome =
            e.Outcome.Curve.Length > 0 || e.Outcome.Status != TrialStatus.Failed
                ? e.Outcome
                : e.Outcome with
                {
                    Curve = [.. Curve],
                };
        (Outcome, Node, Seconds) = (outcome, e.Node, Math.Max(Seconds, e.Outcome.Seconds));
        curve = livePoints = null; // the outcome holds the curve
        if (attempts.Length > 0 && attempts[^1].Ended is null)
            EndAttempt(
                e.At,
                e.Attempt != attempts[^1].Attempt
                    ? AttemptEnd.Superseded
                    : Phase switch
                    {
                        TrialPhase.Completed => AttemptEnd.Completed,
                        TrialPhase.Diverged => AttemptEnd.Diverged,
                        _ => AttemptEnd.Failed,
                    },
                e.Attempt != attempts[^1].Attempt ? $"attempt {e.Attempt}'s late result came first" : Phase.Text()
            );
    }

    internal void PointReached(TrialPointReached e)
    {
        if (Phase == TrialPhase.Running && e.Attempt == Attempt && e.Point.Step > (LastPoint?.Step ?? 0))
            (livePoints ??= new()).Add(e.Point);
    }

    /// <summary>The stored curve with <paramref name="points"/> after it (those up to <paramref name="step"/> and past the last stored one).</summary>
    private void Extend(IEnumerable<CurvePoint> points, int step)
    {
        var last = Curve is [.., var stored] ? stored.Step : 0;
        (curve ??= new()).AddRange(points.Where(p => p.Step > last && p.Step <= step));
    }

    /// <summary>The trial's training seconds once the running hand-out, <paramref name="attemptSeconds"/> long, is counted.</summary>
    public double SecondsWith(double attemptSeconds) => Seconds + Math.Max(0, attemptSeconds - attemptSecondsCounted);

    /// <summary>
    /// A hand-out's outcome (its curve from where it started) as the trial's: the stored curve before
    /// the hand-out's first point, then the hand-out's points.
    /// </summary>
    public TrialOutcome Whole(TrialOutcome attempt)
    {
        var first = attempt.Curve.Length > 0 ? attempt.Curve[0].Step : int.MaxValue;
        return attempt with
        {
            Curve = [.. Curve.Where(p => p.Step < first), .. attempt.Curve],
            Seconds = SecondsWith(attempt.Seconds),
        };
    }

    private void CountSeconds(double attemptSeconds)
    {
        Seconds += Math.Max(0, attemptSeconds - attemptSecondsCounted);
        attemptSecondsCounted = Math.Max(attemptSecondsCounted, attemptSeconds);
    }

    private void EndAttempt(DateTime at, AttemptEnd end, string detail) =>
        attempts[^1] = attempts[^1] with { Ended = at, End = end, Detail = detail };

    private void Require(bool allowed, SweepEvent e)
    {
        if (!allowed)
            throw new InvalidSweepEventException(
                $"trial {Id} is {Phase.ToString().ToLowerInvariant()}: {e.GetType().Name} is not allowed now"
            );
    }
}

/// <summary>An event that does not fit the sweep's state (a damaged store, or a bug): the message says which and why.</summary>
public sealed class InvalidSweepEventException(string message) : Exception(message);
