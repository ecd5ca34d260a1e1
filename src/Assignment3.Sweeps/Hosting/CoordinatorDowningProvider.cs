using Akka.Actor;
using Akka.Cluster;
using Assignment3.Sweeps.Actors;

namespace Assignment3.Sweeps.Hosting;

/// <summary>
/// Downing for a sweep's cluster: one coordinator node that owns the sweep (its state, its store)
/// and worker nodes that are disposable. Only the coordinator's node decides: it downs a member that
/// has stayed unreachable for <c>a3.sweep.down-unreachable-after</c>, and never itself; worker
/// nodes down nobody. So the coordinator's side of any partition always survives (even alone), and
/// a downed worker that comes back finds itself removed and joins again.
/// Akka's split-brain resolver cannot give that here: with workers crashing and joining every few
/// seconds, workers observe each other as unreachable too, and every strategy falls back to downing
/// all nodes, the coordinator's included, whenever those observations are indirect or unstable.
/// </summary>
public sealed class CoordinatorDowningProvider(ActorSystem system, Cluster cluster) : IDowningProvider
{
    public TimeSpan DownRemovalMargin => TimeSpan.Zero;

    public Props? DowningActorProps =>
        cluster.SelfRoles.Contains(SweepNode.CoordinatorRole)
            ? DowningActor.Props(SweepSettings.Create(system).DownUnreachableAfter)
            : null;
}
