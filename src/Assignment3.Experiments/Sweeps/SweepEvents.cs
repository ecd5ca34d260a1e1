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
}

/// <summary>A stage's trials were planned (its plan follows from the config and the results before it).</summary>
public sealed record StageOpened(string Stage) : SweepEvent;

/// <summary>A trial was handed to a worker slot, to train from step <paramref name="FromStep"/> to <paramref name="ToStep"/>.</summary>
public sealed record TrialStarted(int Trial, int Attempt, string Node, string Slot, int FromStep, int ToStep) : SweepEvent;

/// <summary>
/// A trial went back to the queue: its worker was lost or went quiet, or it failed and has attempts
/// left. <paramref name="Charged"/> says whether the attempt counts against the sweep's cap: a failure
/// or a silence of the trial's own does, a lost worker (a node crashed, frozen, unplugged) does not.
/// </summary>
public sealed record TrialRequeued(int Trial, int Attempt, string Reason, bool Charged) : SweepEvent;

/// <summary>A trial's final result; nothing after it can change the trial.</summary>
public sealed record TrialRecorded(int Trial, int Attempt, string Node, TrialOutcome Outcome) : SweepEvent;

/// <summary>Every stage is done.</summary>
public sealed record SweepCompleted : SweepEvent;

/// <summary>Not stored: a recording point of a running trial, for the live view and the report.</summary>
public sealed record TrialPointReached(int Trial, int Attempt, CurvePoint Point) : SweepEvent;
