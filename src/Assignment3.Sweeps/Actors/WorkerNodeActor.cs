using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Assignment3.Core.Data;
using Assignment3.Sweeps.Hosting;
using Assignment3.Sweeps.Protocol;
using Assignment3.Sweeps.Trials;

namespace Assignment3.Sweeps.Actors;

/// <summary>
/// A node's worker slots. Watches cluster membership for a node with the coordinator role, finds its
/// coordinator actor, asks it which data the sweep trains on, loads that (off the actor's thread,
/// kept for the next sweep with the same options) and then introduces the coordinator to every
/// slot. A node whose data does not match the sweep's is refused: it tells the coordinator why and
/// says so to its owner. Says when the coordinator's node is gone: removed from the cluster,
/// unreachable for a3.sweep.coordinator-lost-after (crashed, or cut off: only the coordinator downs
/// nodes), or when this node learns it was quarantined (the coordinator removed it while it was cut
/// off). Its owner then starts a fresh node that joins the seed again.
/// </summary>
public sealed class WorkerNodeActor : ReceiveActor, IWithTimers
{
    private sealed record RetryIdentify(Address Address);

    private sealed record CoordinatorLost;

    private sealed record Prepared(IActorRef Coordinator, PreparedRunner Runner, DataOptions Options, string Expected);

    private sealed record PrepareFailed(IActorRef Coordinator, DataOptions Options, Exception Cause);

    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly List<IActorRef> slots = new();
    private readonly ITrialRunnerSource source;
    private readonly string node;
    private readonly Action<string> onRefused;
    private readonly Action onCoordinatorLeft;
    private readonly Action onJoined;
    private readonly SweepSettings settings;

    public ITimerScheduler Timers { get; set; } = null!;

    public WorkerNodeActor(
        ITrialRunnerSource source,
        int slotCount,
        string node,
        Action onCoordinatorLeft,
        Action<string> onRefused,
        Action onJoined,
        Action<string>? onActivity
    )
    {
        this.onJoined = onJoined;
        this.source = source;
        this.node = node;
        this.onRefused = onRefused;
        this.onCoordinatorLeft = onCoordinatorLeft;
        settings = SweepSettings.Create(Context.System);
        for (var i = 0; i < slotCount; i++)
            slots.Add(Context.ActorOf(WorkerActor.Props(node, onActivity, slotCount), $"slot-{i + 1}"));

        Receive<ClusterEvent.CurrentClusterState>(state =>
        {
            foreach (var member in state.Members.Where(m => m.Status == MemberStatus.Up))
                Consider(member);
        });
        Receive<ClusterEvent.MemberUp>(up => Consider(up.Member));
        Receive<ActorIdentity>(identity =>
        {
            if (identity.Subject is null)
            {
                // The node is up but its coordinator actor is not (yet): ask again shortly.
                if (identity.MessageId is Address address)
                    Timers.StartSingleTimer(address, new RetryIdentify(address), settings.IdentifyRetryInterval);
                return;
            }
            log.Info("Found coordinator {0}", identity.Subject.Path);
            identity.Subject.Tell(new JoinSweep(node));
        });
        Receive<SweepData>(sweep =>
        {
            var coordinator = Sender;
            source
                .PrepareAsync(sweep.Options, sweep.GroupsAuto, CancellationToken.None)
                .PipeTo(
                    Self,
                    success: runner => new Prepared(coordinator, runner, sweep.Options, sweep.Fingerprint),
                    failure: e => new PrepareFailed(coordinator, sweep.Options, e)
                );
        });
        Receive<Prepared>(p =>
        {
            if (p.Runner.Fingerprint != p.Expected)
            {
                Refuse(
                    p.Coordinator,
                    $"its data ({Describe(p.Options)}) has fingerprint {p.Runner.Fingerprint}, the sweep's has {p.Expected}: "
                        + "point it at the same CIFAR-10 files as the coordinator"
                );
                return;
            }
            foreach (var slot in slots)
                slot.Tell(new CoordinatorFound(p.Coordinator, p.Runner));
        });
        Receive<PrepareFailed>(f =>
            Refuse(f.Coordinator, $"it could not load the sweep's data ({Describe(f.Options)}): {f.Cause.Message}")
        );
        Receive<RetryIdentify>(retry =>
        {
            var member = Cluster
                .Get(Context.System)
                .State.Members.FirstOrDefault(m => m.Address.Equals(retry.Address) && m.Status == MemberStatus.Up);
            if (member is not null)
                Consider(member);
        });
        Receive<ClusterEvent.MemberRemoved>(removed =>
        {
            if (removed.Member.HasRole(SweepNode.CoordinatorRole))
                onCoordinatorLeft();
        });
        Receive<ClusterEvent.UnreachableMember>(
            m => m.Member.HasRole(SweepNode.CoordinatorRole),
            _ => Timers.StartSingleTimer(nameof(CoordinatorLost), new CoordinatorLost(), settings.CoordinatorLostAfter)
        );
        Receive<ClusterEvent.ReachableMember>(
            m => m.Member.HasRole(SweepNode.CoordinatorRole),
            _ => Timers.Cancel(nameof(CoordinatorLost))
        );
        Receive<CoordinatorLost>(_ =>
        {
            log.Warning(
                "The coordinator's node has been unreachable for {0:F0} s; starting afresh to join the seed again",
                settings.CoordinatorLostAfter.TotalSeconds
            );
            onCoordinatorLeft();
        });
        Receive<Akka.Remote.ThisActorSystemQuarantinedEvent>(_ =>
        {
            log.Warning(
                "The coordinator's node removed this node while it could not be reached; starting afresh to join the seed again"
            );
            onCoordinatorLeft();
        });
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
    }

    private void Refuse(IActorRef coordinator, string reason)
    {
        log.Error("This worker node cannot take part: {0}", reason);
        coordinator.Tell(new WorkerRefused(node, reason));
        onRefused(reason);
    }

    private static string Describe(DataOptions options) =>
        $"{options.Split.ToString().ToLowerInvariant()} split, {options.ValidationSize} validation images";

    private void Consider(Member member)
    {
        if (!member.HasRole(SweepNode.CoordinatorRole))
            return;
        onJoined();
        Context
            .ActorSelection(new RootActorPath(member.Address) / "user" / SweepNode.CoordinatorName)
            .Tell(new Identify(member.Address));
    }

    protected override void PreStart()
    {
        Cluster
            .Get(Context.System)
            .Subscribe(
                Self,
                ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
                typeof(ClusterEvent.MemberUp),
                typeof(ClusterEvent.MemberRemoved),
                typeof(ClusterEvent.IReachabilityEvent)
            );
        Context.System.EventStream.Subscribe<Akka.Remote.ThisActorSystemQuarantinedEvent>(Self);
    }

    protected override void PostStop()
    {
        Cluster.Get(Context.System).Unsubscribe(Self);
        Context.System.EventStream.Unsubscribe(Self);
    }

    private static readonly Action Nothing = () => { };
    private static readonly Action<string> Ignore = _ => { };

    /// <param name="onActivity">Told a plain line when a slot starts or ends a trial (a3 worker's plain progress).</param>
    public static Props Props(
        ITrialRunnerSource source,
        int slots,
        string node,
        Action? onCoordinatorLeft = null,
        Action<string>? onRefused = null,
        Action? onJoined = null,
        Action<string>? onActivity = null
    )
    {
        var (left, refused, joined) = (onCoordinatorLeft ?? Nothing, onRefused ?? Ignore, onJoined ?? Nothing);
        return Akka.Actor.Props.Create(() =>
            new WorkerNodeActor(source, slots, node, left, refused, joined, onActivity)
        );
    }
}
