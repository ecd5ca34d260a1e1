using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace Assignment3.Sweeps.Actors;

/// <summary>
/// On the coordinator's node (see <see cref="Hosting.CoordinatorDowningProvider"/>): downs every other
/// member that has stayed unreachable for <c>downAfter</c>, so its trials are handed out elsewhere
/// for good and the cluster can converge and admit new workers.
/// </summary>
public sealed class DowningActor : ReceiveActor, IWithTimers
{
    private sealed record Check(UniqueAddress Member);

    private readonly Cluster cluster = Cluster.Get(Context.System);
    private readonly ILoggingAdapter log = Context.GetLogger();

    public ITimerScheduler Timers { get; set; } = null!;

    public DowningActor(TimeSpan downAfter)
    {
        Receive<ClusterEvent.UnreachableMember>(m =>
        {
            if (!m.Member.UniqueAddress.Equals(cluster.SelfUniqueAddress))
                Timers.StartSingleTimer(m.Member.UniqueAddress, new Check(m.Member.UniqueAddress), downAfter);
        });
        Receive<ClusterEvent.ReachableMember>(m => Timers.Cancel(m.Member.UniqueAddress));
        Receive<ClusterEvent.MemberRemoved>(m => Timers.Cancel(m.Member.UniqueAddress));
        Receive<Check>(check =>
        {
            var member = cluster.State.Unreachable.FirstOrDefault(u => u.UniqueAddress.Equals(check.Member));
            if (member is null || member.Status == MemberStatus.Down)
                return;
            log.Warning("Downing node {0}: unreachable for {1:F0} s", member.Address, downAfter.TotalSeconds);
            cluster.Down(member.Address);
        });
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
    }

    protected override void PreStart() =>
        cluster.Subscribe(
            Self,
            ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IReachabilityEvent),
            typeof(ClusterEvent.MemberRemoved)
        );

    protected override void PostStop() => cluster.Unsubscribe(Self);

    public static Props Props(TimeSpan downAfter) => Akka.Actor.Props.Create(() => new DowningActor(downAfter));
}
