using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Remote;
using Assignment3.Core.Data;
using Assignment3.Experiments.Search;
using Assignment3.Experiments.Sweeps;
using Assignment3.Sweeps.Hosting;
using Assignment3.Sweeps.Protocol;

namespace Assignment3.Sweeps.Actors;

/// <summary>
/// Runs a sweep: hands trials to worker slots that ask (work pulling), stage by stage, each as far as
/// its stage's policy says (to its end, or to the next rung), stores their checkpoints and the
/// policy's decisions, and records every trial exactly once. A lost worker's trial goes on from its
/// latest checkpoint. Its state is a <see cref="SweepState"/>, changed only by events that
/// go to the journal first, so a sweep resumed from its store continues exactly where it stood.
/// What is not state, it keeps beside it: which worker runs what until when, idle slots, and which
/// nodes cannot be reached. A node that becomes unreachable, closes its connection or is removed
/// gets no new trials, and its trials go back to the queue at once. Only what a trial does itself
/// counts against its attempts (sweep.max-attempts): failing with an exception, or going silent past
/// its deadline on a node that is still there. Workers come and go, so losing one costs the trial
/// nothing; a trial that keeps losing its workers still ends, failed, after a3.sweep.max-handouts.
/// </summary>
public sealed class CoordinatorActor : ReceiveActor, IWithTimers
{
    /// <summary>A hand-out in progress; its deadline on the scheduler's monotonic clock (a step of the wall clock moves nothing).</summary>
    private sealed record InFlight(IActorRef Worker, int Attempt, string Node, TimeSpan Deadline);

    private sealed record IdleSlot(IActorRef Worker, string Node, string Slot, int Capacity);

    /// <summary>The slots each worker node has (from its slots' requests): how many slots the sweep can keep busy.</summary>
    private readonly Dictionary<Address, int> nodeSlots = new();

    private sealed record CheckDeadlines;

    private sealed record RoundReady(RoundProposed Round);

    private sealed record RoundFailed(Exception Cause);

    private readonly SweepState state;
    private readonly IActorRef aggregator;
    private readonly DataOptions data;
    private readonly string fingerprint;
    private readonly ISweepJournal journal;
    private readonly SweepSettings settings;
    private readonly TimeSpan trialTimeout;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly Func<TimeSpan> clock;

    private readonly Dictionary<int, InFlight> running = new();

    /// <summary>Trials asked to leave their group for a waiting slot (<see cref="ReleaseForWaitingSlots"/>): id to attempt.</summary>
    private readonly Dictionary<int, int> releasing = new();
    private readonly List<IdleSlot> idle = new();
    private readonly HashSet<Address> unreachable = new();
    private readonly HashSet<Address> disconnected = new();

    public ITimerScheduler Timers { get; set; } = null!;

    public CoordinatorActor(
        SweepState state,
        IActorRef aggregator,
        DataOptions data,
        string fingerprint,
        ISweepJournal journal,
        Func<TimeSpan>? clock
    )
    {
        var scheduler = Context.System.Scheduler;
        this.clock = clock ?? (() => scheduler.MonotonicClock);
        this.state = state;
        this.aggregator = aggregator;
        this.data = data;
        this.fingerprint = fingerprint;
        this.journal = journal;
        settings = SweepSettings.Create(Context.System);
        trialTimeout = TimeSpan.FromSeconds(state.Config.TrialTimeoutSeconds);

        Receive<JoinSweep>(_ =>
            Sender.Tell(new SweepData(data, fingerprint, GroupsAuto: state.Config.GroupSize is null))
        );
        Receive<WorkerRefused>(refused =>
        {
            log.Warning("Worker node {0} refused: {1}", refused.Node, refused.Reason);
            aggregator.Tell(new NodeRefused(refused.Node, refused.Reason));
        });
        Receive<RequestTrial>(OnRequest);
        Receive<TrialProgressed>(OnProgress);
        Receive<CheckpointTaken>(OnCheckpoint);
        Receive<TrialFinished>(OnFinished);
        Receive<TrialDeclined>(OnDeclined);
        Receive<Terminated>(t => OnWorkerStopped(t.ActorRef));
        Receive<CheckDeadlines>(_ => OnCheckDeadlines());
        Receive<ClusterEvent.UnreachableMember>(m => OnNodeUnusable(m.Member.Address, unreachable, "unreachable"));
        Receive<ClusterEvent.ReachableMember>(m => OnNodeUsable(m.Member.Address, unreachable));
        Receive<ClusterEvent.MemberRemoved>(m => OnNodeRemoved(m.Member.Address));
        Receive<DisassociatedEvent>(d => OnNodeUnusable(d.RemoteAddress, disconnected, "its connection closed"));
        Receive<AssociatedEvent>(a => OnNodeUsable(a.RemoteAddress, disconnected));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<StopSweep>(stop => Fail(stop.Cause));
        Receive<RoundReady>(OnRoundReady);
        Receive<RoundFailed>(failed => Fail(failed.Cause));
    }

    protected override void PreStart()
    {
        if (((ExtendedActorSystem)Context.System).Provider is Akka.Cluster.ClusterActorRefProvider)
        {
            Cluster
                .Get(Context.System)
                .Subscribe(
                    Self,
                    ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                    typeof(ClusterEvent.IReachabilityEvent),
                    typeof(ClusterEvent.IMemberEvent)
                );
            Context.System.EventStream.Subscribe<DisassociatedEvent>(Self);
            Context.System.EventStream.Subscribe<AssociatedEvent>(Self);
        }
        // Trials that were running when an earlier coordinator stopped have no worker now.
        foreach (var trial in state.Trials.Where(t => t.Phase == TrialPhase.Running).ToArray())
            if (!Commit(new TrialRequeued(trial.Id, trial.Attempt, "the coordinator restarted", Charged: false)))
                return;
        log.Info(
            "Sweep at stage {0}: {1} trials recorded, {2} queued",
            state.Current.Name,
            state.Recorded,
            state.Queued
        );
        foreach (var warning in state.Current.Plan.Warnings)
            log.Warning(warning);
        Advance();
        Timers.StartPeriodicTimer("deadlines", new CheckDeadlines(), settings.DeadlineCheckInterval);
    }

    protected override void PostStop()
    {
        if (((ExtendedActorSystem)Context.System).Provider is Akka.Cluster.ClusterActorRefProvider)
        {
            Cluster.Get(Context.System).Unsubscribe(Self);
            Context.System.EventStream.Unsubscribe(Self);
        }
    }

    private void OnRequest(RequestTrial request)
    {
        if (request.DataFingerprint != fingerprint)
        {
            log.Warning(
                "Refusing worker {0} on {1}: its data fingerprint {2} differs from the sweep's {3}",
                Sender.Path,
                request.Node,
                request.DataFingerprint,
                fingerprint
            );
            Sender.Tell(
                new WorkerRejected(
                    $"data fingerprint {request.DataFingerprint} differs from the sweep's {fingerprint}; point the worker at the same CIFAR-10 copy"
                )
            );
            return;
        }
        Context.Watch(Sender);
        // A request is a sign of life: its node's connection works again, whatever was seen before.
        disconnected.Remove(Sender.Path.Address);
        idle.RemoveAll(s => s.Worker.Equals(Sender));
        idle.Add(
            new IdleSlot(Sender, request.Node, request.Slot, Math.Clamp(request.Capacity, 1, SweepConfig.MaxGroupSize))
        );
        nodeSlots[Sender.Path.Address] = Math.Clamp(request.NodeSlots, 1, 1024);
        ServeIdle();
    }

    private bool serving;

    /// <summary>
    /// Hands out work while there is some and a usable slot waits. Not re-entered: what a hand-out
    /// changes (a trial at its cap recorded, its slot idle again) is seen by the next turn of this loop.
    /// </summary>
    private void ServeIdle()
    {
        if (serving)
            return;
        serving = true;
        try
        {
            while (
                !Failed
                && state.NextWork() is not null
                && idle.FirstOrDefault(s => Usable(s.Worker.Path.Address)) is { } slot
            )
            {
                idle.Remove(slot);
                Assign(slot);
            }
            ReleaseForWaitingSlots();
        }
        finally
        {
            serving = false;
        }
    }

    private TimeSpan Now => clock();

    /// <summary>
    /// Hands the slot the next group of trials that can train together (<see cref="SweepState.NextGroup"/>):
    /// as many as sweep.group-size says, or with auto as many as keep every slot known to the sweep
    /// busy, up to what the slot's node trains fastest. Each trial is started (and journaled) on its own.
    /// </summary>
    private void Assign(IdleSlot slot)
    {
        var handouts = new List<AssignTrial>();
        var ended = false;
        foreach (var work in state.NextGroup(GroupSizeFor(slot)))
        {
            var id = work.Trial;
            var trial = state.Find(id);
            if (trial is not null && trial.Attempt >= settings.MaxHandouts)
            {
                // A trial whose nodes keep vanishing under it must still end.
                var why = $"handed out {trial.Attempt} times without finishing; every worker it went to was lost";
                if (
                    !Commit(
                        new TrialRecorded(id, trial.Attempt, trial.Node, Experiments.Sweeps.TrialOutcome.Failure(why))
                    )
                )
                    return;
                ended = true;
                continue;
            }
            var attempt = (trial?.Attempt ?? 0) + 1;
            var config = state.Plan(id).Config;
            byte[]? checkpoint = null;
            if (work.FromStep > 0)
            {
                try
                {
                    checkpoint = journal.Checkpoint(id)
                        ?? throw new InvalidOperationException(
                            $"trial {id}'s checkpoint at step {work.FromStep} is missing from the store"
                        );
                }
                catch (Exception e)
                {
                    Fail(e);
                    return;
                }
            }
            var group = handouts.Count > 0 ? handouts[0].Trial : id;
            if (!Commit(new TrialStarted(id, attempt, slot.Node, slot.Slot, work.FromStep, work.ToStep, group)))
                return;
            running[id] = new InFlight(slot.Worker, attempt, slot.Node, Now + trialTimeout);
            handouts.Add(
                new AssignTrial(
                    id,
                    attempt,
                    config,
                    state.Config.TestAccuracy,
                    work.FromStep,
                    work.ToStep,
                    checkpoint,
                    state.Config.CheckpointEvery,
                    settings.CheckpointInterval.TotalSeconds
                )
            );
        }
        if (handouts.Count > 0)
            slot.Worker.Tell(new AssignGroup(handouts.ToArray()));
        else
            idle.Add(slot);
        plan = plan with { Queued = state.Queued };
        if (ended)
            Advance(); // a trial recorded: the policy may decide, the stage may be done
    }

    /// <summary>The group size planned for the queue as it last grew (auto), and the queue after the last hand-out.</summary>
    private (int Size, int Queued) plan;

    /// <summary>
    /// sweep.group-size, or with auto: a size planned for each wave of work (when the queue grows: a
    /// stage opens, a search round is proposed, a rung promotes, trials come back): the queue cut into
    /// a multiple of the sweep's slots (those of the nodes that asked for work and can be reached)
    /// groups of at most the slot's capacity, as even as can be, so every slot gets its share and none
    /// trains a last group alone while the others idle. When every other slot is training and the slots
    /// waiting for work (this one among them) can take the whole queue, see <see cref="WaitingSlotTake"/>.
    /// </summary>
    private int GroupSizeFor(IdleSlot slot)
    {
        if (state.Config.GroupSize is { } size)
            return size;
        var queued = state.Queued;
        var slots = Math.Max(1, nodeSlots.Where(n => Usable(n.Key)).Sum(n => n.Value));
        var waiting = 1 + idle.Count(s => Usable(s.Worker.Path.Address));
        var busy = running.Values.Where(f => Usable(f.Worker.Path.Address)).Select(f => f.Worker).Distinct().Count();
        if (busy > 0 && waiting + busy >= slots && queued <= waiting * slot.Capacity)
            return WaitingSlotTake(slot.Capacity, waiting);
        if (plan.Size == 0 || queued > plan.Queued)
        {
            var rounds = Math.Max(1, (queued + slots * slot.Capacity - 1) / (slots * slot.Capacity));
            plan = ((queued + slots * rounds - 1) / (slots * rounds), queued);
        }
        return Math.Clamp(plan.Size, 1, slot.Capacity);
    }

    /// <summary>
    /// How many of the queue's next trials a waiting slot takes so that the sweep ends soonest
    /// (<see cref="WaitingSlotShare"/>): the busy slots' running trials' steps left (as their last
    /// recording points tell), the other waiting slots, and the work the running trials' results will
    /// release (a rung's promotions still to come). A rung's promotions come in bursts as the slots'
    /// groups end; planned as if every slot were free, the last two of a rung went out one at a time,
    /// the second waiting for a slot that had just taken the first; without the promotions to come, a
    /// rung's first promotion went out alone (and a rung's last one alone after the others).
    /// </summary>
    private int WaitingSlotTake(int capacity, int waiting)
    {
        var candidates = state.NextGroup(capacity);
        return WaitingSlotShare.Take(
            candidates.Select(w => w.ToStep - w.FromStep).ToArray(),
            BusySlots().Select(slot => slot.Select(m => m.Left).ToArray()),
            waiting - 1,
            state.Current.Policy.PendingSteps(state.Current, state),
            settings.GroupRunCost
        );
    }

    /// <summary>The trials on each usable busy slot: their hand-outs and steps left (by their last recording points).</summary>
    private IEnumerable<(int Trial, int Attempt, int Left)[]> BusySlots() =>
        running
            .Where(r => Usable(r.Value.Worker.Path.Address))
            .GroupBy(r => r.Value.Worker)
            .Select(slot =>
                slot.Select(r =>
                        (r.Key, r.Value.Attempt, state.Find(r.Key) is { } t ? Math.Max(0, t.TargetStep - t.Reached) : 0)
                    )
                    .ToArray()
            );

    private void OnProgress(TrialProgressed progress)
    {
        if (!running.TryGetValue(progress.Trial, out var flight) || flight.Attempt != progress.Attempt)
            return;
        running[progress.Trial] = flight with { Deadline = Now + trialTimeout };
        var point = new TrialPointReached(progress.Trial, progress.Attempt, progress.Point);
        state.Apply(point);
        aggregator.Tell(point);
    }

    private void OnCheckpoint(CheckpointTaken taken)
    {
        if (!running.TryGetValue(taken.Trial, out var flight) || flight.Attempt != taken.Attempt)
            return;
        var trial = state.Find(taken.Trial)!;
        if (taken.Step > trial.CheckpointStep && taken.Step < trial.TargetStep)
        {
            running[taken.Trial] = flight with { Deadline = Now + trialTimeout };
            var stored = trial.Curve.Count > 0 ? trial.Curve[^1].Step : 0;
            var checkpointed = new TrialCheckpointed(
                taken.Trial,
                taken.Attempt,
                taken.Step,
                taken.Points.Where(p => p.Step > stored && p.Step <= taken.Step).ToArray(),
                taken.Seconds
            );
            if (!Commit(checkpointed, taken.Checkpoint))
                return;
        }
        // Its hand-out ended at that checkpoint, as asked: a waiting slot goes on from it.
        if (taken.Released)
            Requeue(
                taken.Trial,
                $"released from its group at step {trial.CheckpointStep} for a slot with nothing to do",
                charged: false,
                released: true
            );
    }

    /// <summary>
    /// When nothing is queued and nothing is to come (a rung's promotions) while a slot waits, asks the
    /// trial with the most steps left in the busiest slot's group to leave it at its next recording
    /// point (<see cref="ReleaseTrial"/>), so that the waiting slot goes on with it from the checkpoint
    /// there: when the two slots, each with its share, end sooner than the group would, by more than two
    /// recording intervals (the wait for the next point, and the hand-over). A sweep's last rung of three
    /// trials on two slots trained as a group of two beside one alone, and the slot of the one alone then
    /// idled for a third of the rung.
    /// </summary>
    private void ReleaseForWaitingSlots()
    {
        foreach (var (trial, attempt) in releasing.ToArray())
            if (!running.TryGetValue(trial, out var asked) || asked.Attempt != attempt)
                releasing.Remove(trial);
        if (Failed || state.Completed || state.NextWork() is not null)
            return;
        if (idle.Count(s => Usable(s.Worker.Path.Address)) <= releasing.Count)
            return;
        if (state.Current.Policy.PendingSteps(state.Current, state) > 0)
            return;
        var busiest = BusySlots()
            .Select(slot => slot.Where(m => !releasing.ContainsKey(m.Trial)).ToArray())
            .Where(members => members.Length >= 2)
            .MaxBy(members => WaitingSlotShare.Work(members.Select(m => m.Left).ToArray(), settings.GroupRunCost));
        if (busiest is null)
            return;
        var leaving = busiest.MaxBy(m => (m.Left, m.Trial));
        var config = state.Plan(leaving.Trial).Config;
        var interval = (double)config.StepsPerCycle / config.PointsPerCycle;
        var together = WaitingSlotShare.Work(busiest.Select(m => m.Left).ToArray(), settings.GroupRunCost);
        var others = busiest.Where(m => m.Trial != leaving.Trial).Select(m => m.Left).ToArray();
        if (Math.Max(leaving.Left, WaitingSlotShare.Work(others, settings.GroupRunCost)) + 2 * interval >= together)
            return;
        releasing[leaving.Trial] = leaving.Attempt;
        log.Info("Releasing trial {0} from its group for a slot with nothing to do", leaving.Trial);
        running[leaving.Trial].Worker.Tell(new ReleaseTrial(leaving.Trial, leaving.Attempt));
    }

    private void OnFinished(TrialFinished finished)
    {
        var trial = state.Find(finished.Trial);
        if (trial is null || trial.IsFinal)
        {
            log.Info(
                "Ignoring a result for trial {0} (attempt {1}, from {2}): {3}",
                finished.Trial,
                finished.Attempt,
                finished.Node,
                trial is null && !state.IsLetGo(finished.Trial)
                    ? "no such trial was handed out"
                    : "it is recorded already"
            );
            return;
        }
        var current = running.TryGetValue(finished.Trial, out var flight) && flight.Attempt == finished.Attempt;
        var outcome = finished.Outcome;
        if (outcome.Status == TrialStatus.Failed && !current)
        {
            // A stale failure (its hand-out was given up already, and counted then) changes nothing.
            log.Info(
                "Ignoring attempt {0}'s failure of trial {1} from {2}: {3}",
                finished.Attempt,
                finished.Trial,
                finished.Node,
                outcome.Error
            );
            return;
        }
        if (outcome.Status == TrialStatus.Failed && trial.ChargedAttempts + 1 < state.Config.MaxAttempts)
        {
            Requeue(finished.Trial, $"failed on {finished.Node}: {outcome.Error}", charged: true);
            return;
        }
        if (outcome.Status == TrialStatus.Completed && outcome.UpdateSteps < trial.Plan.Config.TotalSteps)
        {
            // A pause at a decision point: only the current hand-out's counts (a late one's step is behind the trial).
            if (!current)
                return;
            if (finished.Checkpoint is null || outcome.UpdateSteps != trial.TargetStep)
            {
                Requeue(
                    finished.Trial,
                    $"{finished.Node} stopped at step {outcome.UpdateSteps} without a checkpoint for step {trial.TargetStep}",
                    charged: true
                );
                return;
            }
            running.Remove(finished.Trial);
            var stored = trial.Curve.Count > 0 ? trial.Curve[^1].Step : 0;
            if (
                Commit(
                    new TrialPaused(
                        finished.Trial,
                        finished.Attempt,
                        finished.Node,
                        outcome with
                        {
                            Curve = outcome.Curve.Where(p => p.Step > stored).ToArray(),
                        }
                    ),
                    finished.Checkpoint
                )
            )
                Advance();
            return;
        }
        Record(
            finished.Trial,
            finished.Attempt,
            finished.Node,
            outcome.Status == TrialStatus.Failed ? outcome : trial.Whole(outcome)
        );
    }

    /// <summary>A slot that did not take its trial (busy, or without data): it trained nothing, so nothing is charged.</summary>
    private void OnDeclined(TrialDeclined declined)
    {
        if (!running.TryGetValue(declined.Trial, out var flight) || flight.Attempt != declined.Attempt)
            return;
        Requeue(declined.Trial, $"{declined.Node} declined it: {declined.Reason}", charged: false);
    }

    private void OnWorkerStopped(IActorRef worker)
    {
        idle.RemoveAll(s => s.Worker.Equals(worker));
        foreach (var (trial, flight) in running.Where(f => f.Value.Worker.Equals(worker)).ToArray())
            Lose(trial, $"worker {worker.Path} on {flight.Node} was lost");
    }

    /// <param name="why">What happened to the node: unreachable, its connection closed, it left the cluster.</param>
    private void OnNodeUnusable(Address address, HashSet<Address> set, string why)
    {
        if (address.Equals(Cluster.Get(Context.System).SelfAddress))
            return;
        var wasUsable = Usable(address);
        set.Add(address);
        if (wasUsable)
            log.Warning("Node {0}: {1}", Describe(address), why); // one line per node lost, whatever the transport says
        foreach (var (trial, flight) in running.Where(f => f.Value.Worker.Path.Address.Equals(address)).ToArray())
            Lose(trial, $"its worker on {flight.Node} was lost ({why})");
    }

    private void OnNodeUsable(Address address, HashSet<Address> set)
    {
        if (set.Remove(address))
            ServeIdle();
    }

    private void OnNodeRemoved(Address address)
    {
        idle.RemoveAll(s => s.Worker.Path.Address.Equals(address));
        nodeSlots.Remove(address);
        OnNodeUnusable(address, unreachable, "it left the cluster");
        unreachable.Remove(address);
        disconnected.Remove(address);
    }

    private void OnCheckDeadlines()
    {
        var now = Now;
        foreach (var (trial, flight) in running.Where(f => f.Value.Deadline < now).ToArray())
            Lose(trial, $"no progress from {flight.Node} for {trialTimeout.TotalSeconds:F0} s", charged: true);
    }

    /// <summary>
    /// A trial whose worker is gone (<paramref name="charged"/> false) or silent past its deadline
    /// (true): back to the queue, or failed once its attempts are used up.
    /// </summary>
    private void Lose(int trial, string reason, bool charged = false)
    {
        var flight = running[trial];
        var used = state.Find(trial)!.ChargedAttempts + (charged ? 1 : 0);
        if (!charged || used < state.Config.MaxAttempts)
        {
            Requeue(trial, reason, charged);
            return;
        }
        log.Warning("Trial {0} failed: {1} attempts used; last: {2}", trial, used, reason);
        Record(
            trial,
            flight.Attempt,
            flight.Node,
            Experiments.Sweeps.TrialOutcome.Failure($"gave up after {used} attempts; last: {reason}")
        );
    }

    private void Requeue(int trial, string reason, bool charged, bool released = false)
    {
        var t = state.Find(trial)!;
        var lost = t.LivePoints.Count > 0 ? t.LivePoints[^1].Step - t.CheckpointStep : 0;
        var message =
            $"Trial {trial} back in the queue: {reason}; it goes on from step {t.CheckpointStep}"
            + (lost > 0 ? $" ({lost} steps trained since then are lost)" : "");
        if (released)
            log.Info("{0}", message);
        else
            log.Warning("{0}", message);
        var flight = running[trial];
        running.Remove(trial);
        if (Commit(new TrialRequeued(trial, flight.Attempt, reason, charged, released)))
            ServeIdle();
    }

    private void Record(int trial, int attempt, string node, Experiments.Sweeps.TrialOutcome outcome)
    {
        // A late result of an earlier hand-out came first: the one still training has nothing left to do.
        if (running.Remove(trial, out var flight) && flight.Attempt != attempt)
            flight.Worker.Tell(new CancelTrial(trial, flight.Attempt));
        if (Commit(new TrialRecorded(trial, attempt, node, outcome)))
            Advance();
    }

    /// <summary>
    /// Commits what the stage's policy can decide now (each decision may settle more), opens the next
    /// stage when the current one is done (or completes the sweep), then serves idle slots.
    /// </summary>
    private void Advance()
    {
        while (!Failed && !state.Completed)
        {
            if (state.Decisions() is { Count: > 0 } decisions)
            {
                foreach (var decision in decisions)
                    if (!Commit(decision))
                        return;
                continue;
            }
            ProposeRoundIfDue();
            if (!state.Current.IsDone)
                break;
            if (state.NextStage is not { } next)
            {
                Commit(new SweepCompleted());
                return;
            }
            if (!Commit(new StageOpened(next)))
                return;
            foreach (var warning in state.Current.Plan.Warnings)
                log.Warning(warning);
            if (state.Current.Plan.Count == 0)
                log.Warning("Stage {0} has no trials: its source stage completed none", next);
        }
        ServeIdle();
    }

    private bool proposing;

    /// <summary>
    /// A search stage's next round, when the results it learns from are in: proposed off this actor's
    /// thread (a GP fit takes a while), from a snapshot of what it needs; the points come back as
    /// <see cref="RoundReady"/>. Proposals are a pure function of that snapshot, so a coordinator that
    /// stops before storing them proposes the same ones when resumed.
    /// </summary>
    private void ProposeRoundIfDue()
    {
        if (proposing || Failed || state.RoundDue() is not { } request)
            return;
        proposing = true;
        Task.Run(() => new RoundReady(SearchRounds.Round(request))).PipeTo(Self, failure: e => new RoundFailed(e));
    }

    private void OnRoundReady(RoundReady ready)
    {
        proposing = false;
        if (!Commit(ready.Round))
            return;
        log.Info(
            "Stage {0}: round {1} proposed, {2} trials",
            ready.Round.Stage,
            ready.Round.Round,
            ready.Round.Points.Length
        );
        Advance();
    }

    /// <summary>
    /// Checks the event against the state, makes it (and the checkpoint it names) durable, then applies
    /// it and tells the aggregator: the store never holds an event its own state would refuse. False
    /// when the sweep had to stop (the event does not fit, or the store cannot be written); anything
    /// else thrown is a bug, and this actor's supervisor stops the sweep (see SweepSupervision).
    /// </summary>
    private bool Commit(SweepEvent e, byte[]? checkpoint = null)
    {
        if (Failed)
            return false;
        try
        {
            state.Check(e);
            journal.Append(e, checkpoint);
        }
        catch (Exception exception)
            when (exception
                    is InvalidSweepEventException
                        or Storage.StoreException
                        or IOException
                        or UnauthorizedAccessException
            )
        {
            Fail(exception);
            return false;
        }
        state.Apply(e);
        aggregator.Tell(e);
        return true;
    }

    private bool Failed { get; set; }

    /// <summary>The sweep cannot go on: workers stop their trials, the aggregator and the host are told, nothing more happens.</summary>
    private void Fail(Exception cause)
    {
        if (Failed)
            return;
        Failed = true;
        log.Error("The sweep stops: {0}", cause.Message);
        foreach (var (trial, flight) in running)
            flight.Worker.Tell(new CancelTrial(trial, flight.Attempt));
        running.Clear();
        idle.Clear();
        aggregator.Tell(new SweepFailed(cause));
        Timers.CancelAll();
    }

    private bool Usable(Address address) => !unreachable.Contains(address) && !disconnected.Contains(address);

    private static string Describe(Address address) =>
        address.Host is null ? address.ToString() : $"{address.Host}:{address.Port}";

    /// <param name="clock">Monotonic time for the trials' deadlines (default: the scheduler's); tests move their own.</param>
    public static Props Props(
        SweepState state,
        IActorRef aggregator,
        DataOptions data,
        string fingerprint,
        ISweepJournal? journal = null,
        Func<TimeSpan>? clock = null
    ) =>
        Akka
            .Actor.Props.Create(() =>
                new CoordinatorActor(state, aggregator, data, fingerprint, journal ?? new NoJournal(), clock)
            )
            .WithDispatcher(SweepSettings.CoordinatorDispatcher);
}
