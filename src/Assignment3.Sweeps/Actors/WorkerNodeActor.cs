using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Assignment3.Sweeps.Hosting;
using Assignment3.Sweeps.Protocol;
using Assignment3.Sweeps.Trials;

namespace Assignment3.Sweeps.Actors;

/// <summary>
/// A node's worker slots. Watches cluster membership for a node with the coordinator role, finds
/// its coordinator actor and introduces it to every slot; says when that node leaves the cluster.
/// </summary>
public sealed class WorkerNodeActor : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly List<IActorRef> slots = new();

    public ITimerScheduler Timers { get; set; } = null!;

    public WorkerNodeActor(ITrialRunner runner, int slotCount, string node, string fingerprint, Action onCoordinatorLeft)
    {
        for (var i = 0; i < slotCount; i++)
            slots.Add(Context.ActorOf(WorkerActor.Props(runner, node, fingerprint), $"slot-{i + 1}"));

        Receive<ClusterEvent.CurrentClusterState>(state =>
        {
            foreach (var member in state.Members.Where(m => m.Status == MemberStatus.Up)) Consider(member);
        });
        Receive<ClusterEvent.MemberUp>(up => Consider(up.Member));
        Receive<ActorIdentity>(identity =>
        {
            if (identity.Subject is null)
            {
                // The node is up but its coordinator actor is not (yet): ask again shortly.
                if (identity.MessageId is Address address)
                    Timers.StartSingleTimer(address, new RetryIdentify(address), TimeSpan.FromSeconds(1));
                return;
            }
            log.Info("Found coordinator {0}", identity.Subject.Path);
            foreach (var slot in slots) slot.Tell(new CoordinatorFound(identity.Subject));
        });
        Receive<RetryIdentify>(retry =>
        {
            var member = Cluster.Get(Context.System).State.Members.FirstOrDefault(m => m.Address.Equals(retry.Address) && m.Status == MemberStatus.Up);
            if (member is not null) Consider(member);
        });
        Receive<ClusterEvent.MemberRemoved>(removed =>
        {
            if (removed.Member.HasRole(SweepNode.CoordinatorRole)) onCoordinatorLeft();
        });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
    }

    private sealed record RetryIdentify(Address Address);

    private void Consider(Member member)
    {
        if (!member.HasRole(SweepNode.CoordinatorRole)) return;
        Identify(member.Address);
    }

    private void Identify(Address address) =>
        Context.ActorSelection(new RootActorPath(address) / "user" / SweepNode.CoordinatorName).Tell(new Identify(address));

    protected override void PreStart() =>
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.MemberUp), typeof(ClusterEvent.MemberRemoved));

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);

    private static readonly Action Nothing = () => { };

    public static Props Props(ITrialRunner runner, int slots, string node, string fingerprint, Action? onCoordinatorLeft = null)
    {
        var onLeft = onCoordinatorLeft ?? Nothing;
        return Akka.Actor.Props.Create(() => new WorkerNodeActor(runner, slots, node, fingerprint, onLeft));
    }
}
