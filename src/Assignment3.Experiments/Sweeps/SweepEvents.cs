using Assignment3.Core.Training;

namespace Assignment3.Experiments.Sweeps;

/// <summary>
/// A change of a sweep's state. The coordinator writes each one to the sweep's store before it acts
/// on it; the state of a sweep at any moment is the fold of its events in order
/// (<see cref="SweepState.Apply"/>), which is how a sweep resumes and how the aggregator, a3 status
/// and a3 report see it.
/// </summary>
public abstract record SweepEvent
{
    public DateTime At { get; init; } = DateTime.UtcNow;

    /// <summary>Whether the event is a trial's final result: recorded, or stopped early by its policy.</summary>
    public static bool EndsTrial(SweepEvent e) => e is TrialRecorded or TrialStopped;
}

/// <summary>An event about one trial.</summary>
public interface ITrialEvent
{
    int Trial { get; }
}

/// <summary>A stage's trials were planned (its plan follows from the config and the results before it).</summary>
public sealed record StageOpened(string Stage) : SweepEvent;

/// <summary>
/// A search stage's next round: its points (one per trial, in trial order; each coordinate in its
/// dimension's own units, see <see cref="Search.Dimension"/>), proposed from the results of the rounds
/// before it. Stored, so a3 status, a3 report and a resumed sweep read them rather than propose again.
/// The last <paramref name="Drawn"/> points were drawn uniformly (round 0's initial design after its
/// enqueued points; a later round's random fraction); the others are the enqueued or the method's.
/// </summary>
public sealed record RoundProposed(string Stage, int Round, double[][] Points, int Drawn = 0) : SweepEvent;

/// <summary>
/// A search stage's warm start: results of earlier sweeps (points in this space's units, losses,
/// and the folders they came from), read when the sweep started. The first event of its store.
/// </summary>
public sealed record SearchWarmStarted(string Stage, double[][] Points, double[] Losses, string[] Sources) : SweepEvent;

/// <summary>
/// A trial was handed to a worker slot, to train from step <paramref name="FromStep"/> (0, or the
/// step of its latest checkpoint) to <paramref name="ToStep"/> (its last step, or the next point
/// where its stage's policy decides whether it goes on), in the group of trials the slot trains
/// together: <paramref name="Group"/> is the group's first trial (the trial itself when alone; 0 in
/// stores from before groups).
/// </summary>
public sealed record TrialStarted(
    int Trial,
    int Attempt,
    string Node,
    string Slot,
    int FromStep,
    int ToStep,
    int Group = 0
) : SweepEvent, ITrialEvent
{
    /// <summary>The first trial of the group it trains in (itself when alone).</summary>
    public int GroupOf => Group == 0 ? Trial : Group;
}

/// <summary>
/// A running trial's state was saved at <paramref name="Step"/> (the checkpoint itself is stored
/// beside the event): a lost worker's trial continues from here. <paramref name="Points"/> are the
/// recording points after the trial's previous stored one; <paramref name="Seconds"/> the training
/// time of this hand-out so far.
/// </summary>
public sealed record TrialCheckpointed(int Trial, int Attempt, int Step, CurvePoint[] Points, double Seconds)
    : SweepEvent,
        ITrialEvent;

/// <summary>
/// A trial reached the step it was sent to, short of its last, and waits there (checkpointed) for
/// its stage's policy. <paramref name="Outcome"/> holds the figures at that step; its curve only the
/// points after the trial's previous stored one, its seconds this hand-out's.
/// </summary>
public sealed record TrialPaused(int Trial, int Attempt, string Node, TrialOutcome Outcome) : SweepEvent, ITrialEvent;

/// <summary>The policy lets a paused trial go on, to step <paramref name="ToStep"/>, from its checkpoint.</summary>
public sealed record TrialPromoted(int Trial, int ToStep) : SweepEvent, ITrialEvent;

/// <summary>The policy stops a paused trial early; its figures are those it paused with. Final.</summary>
public sealed record TrialStopped(int Trial, string Reason) : SweepEvent, ITrialEvent;

/// <summary>
/// A trial went back to the queue: its worker was lost or went quiet, or it failed and has attempts
/// left, or it was released from its group at a checkpoint for a slot with nothing to do. It
/// continues from its latest checkpoint. <paramref name="Charged"/> says whether the attempt counts
/// against the sweep's cap: a failure or a silence of the trial's own does, a lost worker (a node
/// crashed, frozen, unplugged) does not. <paramref name="Released"/>: handed back on purpose, so the
/// next hand-out goes on with the same attempt as far as trials.csv is concerned.
/// </summary>
public sealed record TrialRequeued(int Trial, int Attempt, string Reason, bool Charged, bool Released = false)
    : SweepEvent,
        ITrialEvent;

/// <summary>A trial's final result, its curve from step 0; nothing after it can change the trial.</summary>
public sealed record TrialRecorded(int Trial, int Attempt, string Node, TrialOutcome Outcome) : SweepEvent, ITrialEvent;

/// <summary>Every stage is done.</summary>
public sealed record SweepCompleted : SweepEvent;

/// <summary>Not stored: a recording point of a running trial, for the live view and the report.</summary>
public sealed record TrialPointReached(int Trial, int Attempt, CurvePoint Point) : SweepEvent, ITrialEvent;
