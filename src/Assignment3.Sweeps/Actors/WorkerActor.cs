using Akka.Actor;
using Akka.Event;
using Assignment3.Core.Training;
using Assignment3.Experiments.Sweeps;
using Assignment3.Experiments.Text;
using Assignment3.Sweeps.Protocol;
using Assignment3.Sweeps.Trials;

namespace Assignment3.Sweeps.Actors;

/// <summary>
/// One worker slot. Asks the coordinator for work only when it is free, trains the group of trials it
/// is given together on a dedicated thread (the mailbox stays responsive), streams each trial's
/// recording points and checkpoints, and reports each trial's outcome as soon as it leaves the group
/// (with the checkpoint where the hand-out stopped short of the trial's end). A trial of the group can
/// be cancelled alone, or released (it leaves at its next recording point with a checkpoint, for a
/// slot with nothing to do); the slot asks for more work when the whole group is done.
/// </summary>
public sealed class WorkerActor : ReceiveActor
{
    private sealed record PointReached(int Trial, int Attempt, CurvePoint Point);

    private sealed record CheckpointReady(int Trial, int Attempt, TrialCheckpoint Checkpoint);

    private sealed record Trained(AssignTrial Trial, RunResult Result);

    private sealed record GroupDone(int Group);

    /// <summary>A trial of the running group: its hand-out, what cancels or releases it, and whether its result is wanted.</summary>
    private sealed class Member(AssignTrial trial)
    {
        public AssignTrial Trial { get; } = trial;
        public CancellationTokenSource Cancellation { get; } = new();
        public CancellationTokenSource Release { get; } = new();
        public bool Dropped { get; set; }
    }

    private readonly string node;
    private readonly int nodeSlots;
    private readonly Action<string>? onActivity;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly Dictionary<int, Member> members = new();
    private IActorRef? coordinator;
    private PreparedRunner? prepared;
    private int? group;

    public WorkerActor(string node, Action<string>? onActivity, int nodeSlots)
    {
        this.node = node;
        this.nodeSlots = nodeSlots;
        this.onActivity = onActivity;

        Receive<CoordinatorFound>(found =>
        {
            if (found.Coordinator.Equals(coordinator))
                return;
            if (coordinator is not null)
                Context.Unwatch(coordinator);
            (coordinator, prepared) = (found.Coordinator, found.Prepared);
            Context.Watch(coordinator);
            if (group is null)
                AskForWork();
        });
        Receive<AssignGroup>(Start);
        Receive<CancelTrial>(cancel =>
        {
            if (Running(cancel.Trial, cancel.Attempt) is not { } member)
                return;
            member.Dropped = true;
            member.Cancellation.Cancel();
        });
        Receive<ReleaseTrial>(release =>
        {
            if (Running(release.Trial, release.Attempt) is { Dropped: false } member)
                member.Release.Cancel();
        });
        Receive<PointReached>(p =>
        {
            if (Running(p.Trial, p.Attempt) is { Dropped: false })
                coordinator?.Tell(new TrialProgressed(p.Trial, p.Attempt, p.Point));
        });
        Receive<CheckpointReady>(c =>
        {
            if (Running(c.Trial, c.Attempt) is not { Dropped: false } member)
                return;
            coordinator?.Tell(
                new CheckpointTaken(
                    c.Trial,
                    c.Attempt,
                    c.Checkpoint.Step,
                    c.Checkpoint.Bytes,
                    c.Checkpoint.Points,
                    c.Checkpoint.Seconds,
                    c.Checkpoint.Released
                )
            );
            if (!c.Checkpoint.Released)
                return;
            member.Dropped = true; // it left the group: a free slot goes on with it
            onActivity?.Invoke($"{Self.Path.Name}: trial {c.Trial} released at step {c.Checkpoint.Step}");
        });
        Receive<Trained>(done =>
        {
            if (Running(done.Trial.Trial, done.Trial.Attempt) is not { } member)
                return;
            members.Remove(done.Trial.Trial);
            var o = done.Result.Outcome;
            onActivity?.Invoke(
                $"{Self.Path.Name}: trial {done.Trial.Trial} "
                    + (
                        member.Dropped
                            ? "cancelled"
                            : o.Status switch
                            {
                                TrialStatus.Completed => $"{(done.Result.Checkpoint is null ? "finished" : "paused")} "
                                    + $"at step {o.UpdateSteps}: validation accuracy {Readable.Number(o.ValidationAccuracy)}",
                                TrialStatus.Diverged => $"diverged at step {o.DivergedAtStep}",
                                _ => $"failed: {o.Error}",
                            }
                    )
                    + $" ({Readable.Number(o.Seconds)} s)"
            );
            // A cancelled trial's result (recorded from another hand-out, or the sweep stopped) is of no use to anyone.
            if (!member.Dropped)
                coordinator?.Tell(
                    new TrialFinished(done.Trial.Trial, done.Trial.Attempt, node, o, done.Result.Checkpoint)
                );
        });
        Receive<GroupDone>(done =>
        {
            if (done.Group != group)
                return;
            foreach (var member in members.Values)
            {
                // Ended without a result of its own: released (nothing to say: its checkpoint went back),
                // cancelled, or lost track of by the runner (a failure).
                if (!(member.Dropped && member.Release.IsCancellationRequested))
                    onActivity?.Invoke(
                        $"{Self.Path.Name}: trial {member.Trial.Trial} {(member.Dropped ? "cancelled" : "ended without a result")}"
                    );
                var lost = TrialOutcome.Failure("its group ended without a result for it");
                if (!member.Dropped)
                    coordinator?.Tell(new TrialFinished(member.Trial.Trial, member.Trial.Attempt, node, lost));
            }
            members.Clear();
            group = null;
            AskForWork();
        });
        Receive<WorkerRejected>(rejected =>
            log.Error("Coordinator {0} refused this worker: {1}", Sender.Path.Address, rejected.Reason)
        );
        Receive<Terminated>(t =>
        {
            if (!t.ActorRef.Equals(coordinator))
                return; // one this slot served before (it unwatched it since)
            // The coordinator is gone (sweep over, or its node lost): whatever runs is of no use to anyone now.
            log.Info("Coordinator left; waiting for the next one");
            coordinator = null;
            foreach (var member in members.Values)
            {
                member.Dropped = true;
                member.Cancellation.Cancel();
            }
        });
    }

    private Member? Running(int trial, int attempt) =>
        members.TryGetValue(trial, out var m) && m.Trial.Attempt == attempt ? m : null;

    private void AskForWork() =>
        coordinator?.Tell(
            new RequestTrial(node, Self.Path.Name, prepared!.Fingerprint, prepared.Runner.Capacity, nodeSlots)
        );

    private void Start(AssignGroup assigned)
    {
        if (group is not null || prepared is null)
        {
            var why = group is null
                ? "no data is loaded yet"
                : $"{Self.Path.Name} is training trial {string.Join(", ", members.Keys)}";
            log.Warning(
                "Trial {0} offered while {1}; declining",
                string.Join(", ", assigned.Trials.Select(t => t.Trial)),
                why
            );
            foreach (var trial in assigned.Trials)
                Sender.Tell(new TrialDeclined(trial.Trial, trial.Attempt, node, why));
            return;
        }
        group = assigned.Group;
        foreach (var trial in assigned.Trials)
            members[trial.Trial] = new Member(trial);
        var first = assigned.Trials[0];
        var attempts = assigned
            .Trials.Where(t => t.Attempt > 1)
            .Select(t => $"trial {t.Trial} attempt {t.Attempt}")
            .ToArray();
        var several = assigned.Trials.Length > 1;
        onActivity?.Invoke(
            $"{Self.Path.Name}: trial{(several ? "s" : "")} {string.Join(", ", assigned.Trials.Select(t => t.Trial))} started"
                + (several ? " together" : "")
                + (attempts.Length > 0 ? $" ({string.Join(", ", attempts)})" : "")
                + $", steps {first.FromStep} to {first.EndStep}"
        );
        var self = Self;
        var handouts = assigned
            .Trials.Select(trial => new GroupTrial(
                trial,
                point => self.Tell(new PointReached(trial.Trial, trial.Attempt, point)),
                checkpoint => self.Tell(new CheckpointReady(trial.Trial, trial.Attempt, checkpoint)),
                result => self.Tell(new Trained(trial, result)),
                members[trial.Trial].Cancellation.Token,
                members[trial.Trial].Release.Token
            ))
            .ToArray();
        var (runner, name) = (prepared.Runner, assigned.Group);
        Task.Factory.StartNew(
                () =>
                {
                    try
                    {
                        runner.Run(handouts);
                    }
                    catch (Exception e)
                    {
                        // The runner fails its trials one by one; what escapes it fails those still without a result.
                        foreach (var handout in handouts)
                            self.Tell(new Trained(handout.Trial, TrialRunners.Failure(e)));
                    }
                    return new GroupDone(name);
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default
            )
            .PipeTo(self);
    }

    protected override void PostStop()
    {
        foreach (var member in members.Values)
            member.Cancellation.Cancel();
    }

    /// <param name="nodeSlots">The slots of this slot's node (the coordinator sizes groups so that none of the sweep's slots idles).</param>
    public static Props Props(string node, Action<string>? onActivity = null, int nodeSlots = 1) =>
        Akka.Actor.Props.Create(() => new WorkerActor(node, onActivity, nodeSlots));
}
