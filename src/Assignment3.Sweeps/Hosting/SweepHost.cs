using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Cluster;
using Assignment3.Experiments.Sweeps;
using Assignment3.Sweeps.Actors;
using Assignment3.Sweeps.Protocol;
using Assignment3.Sweeps.Trials;

namespace Assignment3.Sweeps.Hosting;

/// <summary>The coordinator's node left its own cluster (downed, removed): the sweep cannot go on in this process.</summary>
public sealed class CoordinatorRemovedException(string message) : Exception(message);

/// <summary>A running node: the coordinator's (with aggregator and optional local slots) or a worker node.</summary>
public sealed class SweepHost : IAsyncDisposable
{
    private readonly TaskCompletionSource joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource detached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> refused = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource removed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SweepHost(ActorSystem system, IActorRef? aggregator, IActorRef? coordinator = null)
    {
        System = system;
        Aggregator = aggregator;
        Coordinator = coordinator;
        Address = ((ExtendedActorSystem)system).Provider.DefaultAddress;
    }

    public ActorSystem System { get; }

    /// <summary>On a worker node: completes when it is in a cluster with a coordinator's node.</summary>
    public Task Joined => joined.Task;

    /// <summary>On a worker node: completes when the coordinator's node leaves the cluster or this node is removed.</summary>
    public Task Detached => detached.Task;

    /// <summary>On a worker node: completes with the reason when the sweep's coordinator cannot use this node (its data differs).</summary>
    public Task<string> Refused => refused.Task;

    public IActorRef? Aggregator { get; }
    public IActorRef? Coordinator { get; }
    public Address Address { get; }
    public string NodeName => $"{Address.Host}:{Address.Port}";

    /// <summary>
    /// Starts the coordinator's node: a cluster of its own that workers join, with the aggregator,
    /// the coordinator and <paramref name="slots"/> local worker slots (0: it trains nothing itself).
    /// <paramref name="history"/> holds the events of an interrupted sweep to continue from.
    /// </summary>
    public static SweepHost StartCoordinator(
        SweepConfig sweep,
        string outFolder,
        SweepMonitor monitor,
        string fingerprint,
        ITrialRunnerSource? source,
        int slots,
        string host = "127.0.0.1",
        int port = 0,
        string? extraHocon = null,
        ISweepJournal? journal = null,
        IReadOnlyList<SweepEvent>? history = null,
        X509Certificate2? certificate = null
    )
    {
        string[] roles = slots > 0 ? [SweepNode.CoordinatorRole, SweepNode.WorkerRole] : [SweepNode.CoordinatorRole];
        var system = SweepNode.Start(
            SweepNode.Configuration(host, port, roles, [], extraHocon, tls: certificate is not null),
            certificate
        );
        // The coordinator and the aggregator each keep their own copy of the state (actors share nothing);
        // the coordinator's only decides, so it lets go of the final trials the aggregator writes.
        var aggregator = system.ActorOf(
            AggregatorActor.Props(SweepState.Replay(sweep, history ?? []), outFolder, monitor),
            SweepSupervision.AggregatorName
        );
        var coordinator = system.ActorOf(
            CoordinatorActor.Props(
                SweepState.ForDeciding(sweep, history ?? []),
                aggregator,
                sweep.Experiment.Data,
                fingerprint,
                journal
            ),
            SweepNode.CoordinatorName
        );
        var node = new SweepHost(system, aggregator, coordinator);
        var cluster = Cluster.Get(system);
        cluster.Join(node.Address);
        cluster.RegisterOnMemberRemoved(() => node.removed.TrySetResult());
        if (slots > 0 && source is not null)
            system.ActorOf(WorkerNodeActor.Props(source, slots, node.NodeName), "workers");
        return node;
    }

    /// <summary>
    /// Starts a worker node that joins the coordinator's node at <paramref name="seed"/> (host:port),
    /// retrying until one is there. A node joins one cluster only: after <see cref="Detached"/>, start a new one.
    /// </summary>
    public static SweepHost StartWorker(
        string seed,
        ITrialRunnerSource source,
        int slots,
        string host = "127.0.0.1",
        int port = 0,
        string? extraHocon = null,
        X509Certificate2? certificate = null,
        Action<string>? onActivity = null
    )
    {
        var (seedHost, seedPort) = ParseEndpoint(seed, "--seed");
        var tls = certificate is not null;
        var system = SweepNode.Start(
            SweepNode.Configuration(
                host,
                port,
                [SweepNode.WorkerRole],
                [SweepNode.SeedAddress(seedHost, seedPort, tls)],
                extraHocon,
                tls
            ),
            certificate
        );
        var node = new SweepHost(system, null);
        system.ActorOf(
            WorkerNodeActor.Props(
                source,
                slots,
                node.NodeName,
                () => node.detached.TrySetResult(),
                reason => node.refused.TrySetResult(reason),
                () => node.joined.TrySetResult(),
                onActivity
            ),
            "workers"
        );
        system.WhenTerminated.ContinueWith(_ => node.detached.TrySetResult());
        return node;
    }

    /// <summary>
    /// Completes when every trial of every stage is recorded and the output folder written; fails
    /// with the cause when the store or the outputs cannot be written, with
    /// <see cref="SweepStoppedException"/> when the coordinator or the aggregator stopped after an
    /// error (<see cref="SweepSupervision"/>), and with <see cref="CoordinatorRemovedException"/>
    /// when this node is removed from its cluster.
    /// </summary>
    public async Task<SweepFinished> Completion(CancellationToken cancellation = default)
    {
        var (aggregator, coordinator) = (
            Aggregator ?? throw new InvalidOperationException("a worker node has no aggregator"),
            Coordinator!
        );
        var finished = aggregator.Ask<SweepFinished>(WatchSweep.Instance, Timeout.InfiniteTimeSpan, cancellation);
        var stopped = Task.WhenAny(aggregator.WatchAsync(cancellation), coordinator.WatchAsync(cancellation));
        var first = await Task.WhenAny(finished, removed.Task, stopped);
        if (first == finished)
            return await finished;
        if (first == removed.Task)
            throw new CoordinatorRemovedException(
                $"the coordinator's node {NodeName} was removed from its own cluster; the sweep stopped here"
            );
        cancellation.ThrowIfCancellationRequested();
        var failures = SweepFailures.Get(System);
        var (actor, cause) = failures.CauseOf(SweepNode.CoordinatorName) is { } c
            ? ("coordinator", c)
            : ("aggregator", failures.CauseOf(SweepSupervision.AggregatorName));
        var why = cause is null ? "no cause recorded" : $"{cause.GetType().Name}: {cause.Message}";
        throw new SweepStoppedException(
            $"the sweep's {actor} stopped after an error ({why}); every result before it is in the store",
            cause
        );
    }

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
            throw new ArgumentException(
                $"{flag}: '{endpoint}' is not host:port (e.g. 127.0.0.1:4053, or [::1]:4053 for IPv6)"
            );
        // IPv6 addresses come bracketed ([::1]:4053) or bare (::1:4053): the port follows the last colon either way.
        return (endpoint[..colon].Trim('[', ']'), port);
    }
}
