using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Cluster;
using Assignment3.Experiments.Sweeps;
using Assignment3.Sweeps.Actors;
using Assignment3.Sweeps.Protocol;
using Assignment3.Sweeps.Trials;

namespace Assignment3.Sweeps.Hosting;

/// <summary>A running node: the coordinator's (with aggregator and optional local slots) or a worker node.</summary>
public sealed class SweepHost : IAsyncDisposable
{
    private SweepHost(ActorSystem system, IActorRef? aggregator)
    {
        System = system;
        Aggregator = aggregator;
        Address = ((ExtendedActorSystem)system).Provider.DefaultAddress;
    }

    public ActorSystem System { get; }

    /// <summary>On a worker node: completes when the coordinator's node leaves the cluster or this node is removed.</summary>
    public Task Detached => detached.Task;
    private readonly TaskCompletionSource detached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public IActorRef? Aggregator { get; }
    public Address Address { get; }
    public string NodeName => $"{Address.Host}:{Address.Port}";

    /// <summary>
    /// Starts the coordinator's node: a cluster of its own that workers join, with the aggregator,
    /// the coordinator and <paramref name="slots"/> local worker slots (0: it trains nothing itself).
    /// </summary>
    public static SweepHost StartCoordinator(SweepConfig sweep, string outFolder, SweepMonitor monitor, string fingerprint,
        ITrialRunner? runner, int slots, string host = "127.0.0.1", int port = 0, string? extraHocon = null,
        ISweepJournal? journal = null, ResumeState? resume = null, X509Certificate2? certificate = null)
    {
        string[] roles = slots > 0 ? [SweepNode.CoordinatorRole, SweepNode.WorkerRole] : [SweepNode.CoordinatorRole];
        var system = SweepNode.Start(SweepNode.Configuration(host, port, roles, [], extraHocon, tls: certificate is not null), certificate);
        var aggregator = system.ActorOf(AggregatorActor.Props(sweep, outFolder, monitor), "aggregator");
        system.ActorOf(CoordinatorActor.Props(sweep, aggregator, fingerprint, journal, resume), SweepNode.CoordinatorName);
        var node = new SweepHost(system, aggregator);
        Cluster.Get(system).Join(node.Address);
        if (slots > 0 && runner is not null)
            system.ActorOf(WorkerNodeActor.Props(runner, slots, node.NodeName, fingerprint), "workers");
        return node;
    }

    /// <summary>
    /// Starts a worker node that joins the coordinator's node at <paramref name="seed"/> (host:port),
    /// retrying until one is there. A node joins one cluster only: after <see cref="Detached"/>, start a new one.
    /// </summary>
    public static SweepHost StartWorker(string seed, ITrialRunner runner, int slots, string fingerprint,
        string host = "127.0.0.1", int port = 0, string? extraHocon = null, X509Certificate2? certificate = null)
    {
        var (seedHost, seedPort) = ParseEndpoint(seed, "--seed");
        var tls = certificate is not null;
        var system = SweepNode.Start(SweepNode.Configuration(host, port, [SweepNode.WorkerRole], [SweepNode.SeedAddress(seedHost, seedPort, tls)], extraHocon, tls), certificate);
        var node = new SweepHost(system, null);
        system.ActorOf(WorkerNodeActor.Props(runner, slots, node.NodeName, fingerprint, () => node.detached.TrySetResult()), "workers");
        system.WhenTerminated.ContinueWith(_ => node.detached.TrySetResult());
        return node;
    }

    /// <summary>Completes when every trial of every stage is recorded and the output folder written.</summary>
    public Task<SweepCompleted> Completion(CancellationToken cancellation = default) =>
        (Aggregator ?? throw new InvalidOperationException("a worker node has no aggregator"))
            .Ask<SweepCompleted>(WatchSweep.Instance, Timeout.InfiniteTimeSpan, cancellation);

    /// <summary>Leaves the cluster gracefully and stops the actor system.</summary>
    public async ValueTask DisposeAsync()
    {
        await CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClrExitReason.Instance);
        await System.WhenTerminated;
    }

    public static (string Host, int Port) ParseEndpoint(string endpoint, string flag)
    {
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint[(colon + 1)..], out var port) || port is < 1 or > 65535)
            throw new ArgumentException($"{flag}: '{endpoint}' is not host:port (e.g. 127.0.0.1:4053)");
        return (endpoint[..colon], port);
    }
}
