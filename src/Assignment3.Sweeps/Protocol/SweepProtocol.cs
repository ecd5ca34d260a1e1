using Assignment3.Core.Training;

namespace Assignment3.Sweeps.Protocol;

// Every message of the sweep protocol, in one place. Those marked "network" cross between nodes
// (Hyperion, see hocon/cluster.conf) and carry only configs and results, never data or weights.

/// <summary>Marks the messages that cross the network; hocon/cluster.conf binds it to Hyperion.</summary>
public interface INetworkMessage;

/// <summary>How a trial ended.</summary>
public enum TrialStatus { Completed, Failed, Diverged }

/// <summary>A trial's result as a worker reports it. Accuracies are NaN unless completed; Error is set when failed.</summary>
public sealed record TrialOutcome(
    TrialStatus Status,
    double ValidationAccuracy,
    double TestAccuracy,
    double TrainAccuracy,
    double FinalCost,
    int UpdateSteps,
    double Seconds,
    int? DivergedAtStep,
    string? Error,
    CurvePoint[] Curve);

/// <summary>Network, worker to coordinator: a free slot asks for a trial (work pulling).</summary>
public sealed record RequestTrial(string Node, string DataFingerprint) : INetworkMessage;

/// <summary>Network, coordinator to worker: train this. Attempt counts hand-outs of the same trial.</summary>
public sealed record AssignTrial(int Trial, int Attempt, TrainingConfig Config, bool TestAccuracy) : INetworkMessage;

/// <summary>Network, worker to coordinator: a recording point of a running trial (also a heartbeat).</summary>
public sealed record TrialProgressed(int Trial, int Attempt, CurvePoint Point) : INetworkMessage;

/// <summary>Network, worker to coordinator: a trial ended.</summary>
public sealed record TrialFinished(int Trial, int Attempt, string Node, TrialOutcome Outcome) : INetworkMessage;

/// <summary>Network, coordinator to worker: this worker may not take part (its data differs from the sweep's).</summary>
public sealed record WorkerRejected(string Reason) : INetworkMessage;

/// <summary>Local, to a worker: the coordinator it should pull trials from.</summary>
public sealed record CoordinatorFound(Akka.Actor.IActorRef Coordinator);

/// <summary>Local, coordinator to aggregator: the trials of a stage were planned.</summary>
public sealed record StagePlanned(string Stage, IReadOnlyList<Experiments.Sweeps.PlannedTrial> Trials);

/// <summary>Local, coordinator to aggregator: a trial was handed to a worker on a node.</summary>
public sealed record TrialStarted(int Trial, int Attempt, string Node);

/// <summary>Local, coordinator to aggregator: a trial went back to the queue (worker lost or too slow, or a retry after failure).</summary>
public sealed record TrialRequeued(int Trial, int Attempt, string Reason);

/// <summary>Local, coordinator to aggregator: the final result of a trial, recorded once.</summary>
public sealed record TrialRecorded(int Trial, int Attempts, string Node, TrialOutcome Outcome);

/// <summary>Local, coordinator to aggregator and its owner: every stage is done.</summary>
public sealed record SweepCompleted(int Trials);
