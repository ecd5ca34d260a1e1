using Akka.Actor;
using Assignment3.Core.Data;
using Assignment3.Core.Training;
using Assignment3.Experiments.Sweeps;
using Assignment3.Sweeps.Trials;

namespace Assignment3.Sweeps.Protocol;

// Every message of the sweep protocol, in one place. Those marked "network" cross between nodes
// (Hyperion, see hocon/cluster.conf) and carry only configs, options and results, never data. The
// coordinator tells the aggregator what happens with the sweep's own events (Experiments.Sweeps.SweepEvent).

/// <summary>Marks the messages that cross the network; hocon/cluster.conf binds it to Hyperion.</summary>
public interface INetworkMessage;

/// <summary>Network, worker node to coordinator: this node wants to work on the sweep; which data does it train on?</summary>
public sealed record JoinSweep(string Node) : INetworkMessage;

/// <summary>
/// Network, coordinator to worker node: load this split of CIFAR-10; it must have this fingerprint.
/// <paramref name="GroupsAuto"/>: the sweep sizes its groups itself (sweep.group-size = auto), so the
/// node measures how many trials its slots train together fastest.
/// </summary>
public sealed record SweepData(DataOptions Options, string Fingerprint, bool GroupsAuto = true) : INetworkMessage;

/// <summary>Network, worker node to coordinator: this node cannot take part (its data differs, or would not load).</summary>
public sealed record WorkerRefused(string Node, string Reason) : INetworkMessage;

/// <summary>
/// Network, worker slot to coordinator: a free slot asks for work (work pulling); it trains up to
/// <paramref name="Capacity"/> trials together fastest (its node's measured group size), and its node
/// has <paramref name="NodeSlots"/> slots.
/// </summary>
public sealed record RequestTrial(string Node, string Slot, string DataFingerprint, int Capacity = 1, int NodeSlots = 1)
    : INetworkMessage;

/// <summary>
/// Network, coordinator to worker slot: train these trials together, as one group (each due from the
/// same step, on the same mini-batches; the first is the group's name). Each trial reports on its own.
/// </summary>
public sealed record AssignGroup(AssignTrial[] Trials) : INetworkMessage
{
    public int Group => Trials[0].Trial;
}

/// <summary>
/// Network, inside <see cref="AssignGroup"/>: train this, from <paramref name="FromStep"/> (from
/// <paramref name="Checkpoint"/>, or from scratch at 0) to <paramref name="ToStep"/>, sending a
/// checkpoint at recording points at least <paramref name="CheckpointEvery"/> steps and
/// <paramref name="CheckpointSeconds"/> apart. Attempt counts hand-outs of the same trial.
/// </summary>
public sealed record AssignTrial(
    int Trial,
    int Attempt,
    TrainingConfig Config,
    bool TestAccuracy,
    int FromStep = 0,
    int ToStep = 0,
    byte[]? Checkpoint = null,
    int CheckpointEvery = 0,
    double CheckpointSeconds = 0
)
{
    /// <summary>The step this hand-out ends at (its last step when not given).</summary>
    public int EndStep => ToStep > 0 ? ToStep : Config.TotalSteps;
}

/// <summary>
/// Network, coordinator to worker slot: stop this trial (recorded from another hand-out, or the sweep
/// stopped); report nothing. The rest of its group goes on.
/// </summary>
public sealed record CancelTrial(int Trial, int Attempt) : INetworkMessage;

/// <summary>Network, worker slot to coordinator: a recording point of a running trial (also a heartbeat).</summary>
public sealed record TrialProgressed(int Trial, int Attempt, CurvePoint Point) : INetworkMessage;

/// <summary>
/// Network, coordinator to worker slot: end this trial's hand-out at its next recording point with a
/// checkpoint there (<see cref="CheckpointTaken"/>, Released) and report nothing more of it: a slot
/// with nothing to do goes on with it, while the rest of its group goes on here.
/// </summary>
public sealed record ReleaseTrial(int Trial, int Attempt) : INetworkMessage;

/// <summary>
/// Network, worker slot to coordinator: a running trial's checkpoint at a recording point, with the
/// hand-out's points so far; <paramref name="Released"/>: the hand-out ended there, as asked
/// (<see cref="ReleaseTrial"/>).
/// </summary>
public sealed record CheckpointTaken(
    int Trial,
    int Attempt,
    int Step,
    byte[] Checkpoint,
    CurvePoint[] Points,
    double Seconds,
    bool Released = false
) : INetworkMessage;

/// <summary>
/// Network, worker slot to coordinator: a hand-out ended: at the trial's last step (or diverged, or
/// failed), or at the step it was sent to, with the checkpoint there. The outcome's curve and
/// seconds are this hand-out's.
/// </summary>
public sealed record TrialFinished(int Trial, int Attempt, string Node, TrialOutcome Outcome, byte[]? Checkpoint = null)
    : INetworkMessage;

/// <summary>
/// Network, worker slot to coordinator: this slot did not take the trial (it is busy, or has no data
/// yet); nothing was trained, so the hand-out costs the trial no attempt.
/// </summary>
public sealed record TrialDeclined(int Trial, int Attempt, string Node, string Reason) : INetworkMessage;

/// <summary>Network, coordinator to worker: this worker may not take part (its data differs from the sweep's).</summary>
public sealed record WorkerRejected(string Reason) : INetworkMessage;

/// <summary>Local, worker node to its slots: the coordinator to pull trials from, and the runner for the sweep's data.</summary>
public sealed record CoordinatorFound(IActorRef Coordinator, PreparedRunner Prepared);

/// <summary>Local, coordinator to aggregator: a node was refused, and why (shown to the user).</summary>
public sealed record NodeRefused(string Node, string Reason);

/// <summary>Local, to the coordinator from the aggregator: writing the outputs failed; stop the sweep.</summary>
public sealed record StopSweep(Exception Cause);

/// <summary>Local, coordinator to aggregator: the sweep cannot go on (its store or outputs cannot be written).</summary>
public sealed record SweepFailed(Exception Cause);

/// <summary>Local, aggregator to whoever watches the sweep: every stage is recorded and the outputs written.</summary>
public sealed record SweepFinished(int Trials);
