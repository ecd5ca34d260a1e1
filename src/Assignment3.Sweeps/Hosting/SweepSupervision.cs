using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Actor.Internal;

namespace Assignment3.Sweeps.Hosting;

/// <summary>
/// The top-level actors' supervisor (akka.actor.guardian-supervisor-strategy in hocon/cluster.conf).
/// The coordinator and the aggregator own the sweep's state: one that throws is stopped, never
/// restarted (a restart would keep the state its Props captured but lose its watchers, idle slots and
/// hand-outs, and the sweep would wait forever), and its cause is kept for the host, which ends the
/// sweep saying so (everything recorded is in the store, so --resume goes on from there). Other
/// top-level actors (a node's worker slots) restart as Akka's default does.
/// </summary>
public sealed class SweepSupervision : SupervisorStrategyConfigurator
{
    public const string AggregatorName = "aggregator";

    public override SupervisorStrategy Create() => new StopSweepOwners();

    private sealed class StopSweepOwners() : OneForOneStrategy(DefaultDecider)
    {
        public override void ProcessFailure(
            IActorContext context,
            bool restart,
            IActorRef child,
            Exception cause,
            ChildRestartStats stats,
            IReadOnlyCollection<ChildRestartStats> children
        )
        {
            if (child.Path.Name is SweepNode.CoordinatorName or AggregatorName)
            {
                SweepFailures.Get(context.System).Record(child.Path.Name, cause);
                context.Stop(child);
                return;
            }
            base.ProcessFailure(context, restart, child, cause, stats, children);
        }
    }
}

/// <summary>Why the sweep's own actors stopped, per actor system (an Akka extension: no process-wide state).</summary>
public sealed class SweepFailures : IExtension
{
    private readonly ConcurrentDictionary<string, Exception> causes = new();

    public static SweepFailures Get(ActorSystem system) => system.WithExtension<SweepFailures, SweepFailuresProvider>();

    public void Record(string actor, Exception cause) => causes.TryAdd(actor, cause);

    public Exception? CauseOf(string actor) => causes.GetValueOrDefault(actor);

    private sealed class SweepFailuresProvider : ExtensionIdProvider<SweepFailures>
    {
        public override SweepFailures CreateExtension(ExtendedActorSystem system) => new();
    }
}

/// <summary>The coordinator or the aggregator stopped after an error: the sweep cannot go on in this process.</summary>
public sealed class SweepStoppedException(string message, Exception? cause) : Exception(message, cause);
