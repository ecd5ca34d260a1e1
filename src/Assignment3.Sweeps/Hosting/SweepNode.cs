using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Serialization.Hyperion;
using Assignment3.Core.Network;
using Assignment3.Core.Training;
using Assignment3.Sweeps.Protocol;
using Hyperion;

namespace Assignment3.Sweeps.Hosting;

/// <summary>Starts the actor system of a coordinator or worker node from hocon/cluster.conf plus command-line settings.</summary>
public static class SweepNode
{
    public const string SystemName = "a3";
    public const string CoordinatorRole = "coordinator";
    public const string WorkerRole = "worker";
    public const string CoordinatorName = "coordinator";

    /// <summary>Every type Hyperion may deserialize: the network messages and what they hold.</summary>
    public static readonly Type[] AllowedTypes =
    [
        typeof(RequestTrial), typeof(AssignTrial), typeof(TrialProgressed), typeof(TrialFinished), typeof(WorkerRejected),
        typeof(TrialOutcome), typeof(TrialStatus), typeof(CurvePoint), typeof(CurvePoint[]),
        typeof(TrainingConfig), typeof(Initialization), typeof(InitKind), typeof(int[]),
    ];

    public static string ClusterConfigPath => Path.Combine(AppContext.BaseDirectory, "hocon", "cluster.conf");

    /// <summary>The node's configuration: command-line settings over hocon/cluster.conf.</summary>
    public static Config Configuration(string host, int port, IEnumerable<string> roles, IEnumerable<string> seedNodes, string? extraHocon = null)
    {
        if (!File.Exists(ClusterConfigPath)) throw new FileNotFoundException($"{ClusterConfigPath}: cluster configuration missing from the installation");
        string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        var overrides = $$"""
            akka.remote.dot-netty.tcp.hostname = {{Quote(host)}}
            akka.remote.dot-netty.tcp.port = {{port}}
            akka.cluster.roles = [{{string.Join(", ", roles.Select(Quote))}}]
            akka.cluster.seed-nodes = [{{string.Join(", ", seedNodes.Select(Quote))}}]
            """;
        return ConfigurationFactory.ParseString(overrides + "\n" + (extraHocon ?? ""))
            .WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(ClusterConfigPath)));
    }

    public static ActorSystem Start(Config config) =>
        ActorSystem.Create(SystemName, BootstrapSetup.Create().WithConfig(config).And(HyperionSetup()));

    /// <summary>Hyperion restricted to <see cref="AllowedTypes"/>: anything else from the network is refused.</summary>
    public static HyperionSerializerSetup HyperionSetup()
    {
        var filter = TypeFilterBuilder.Create();
        foreach (var type in AllowedTypes) filter = filter.Include(type);
        return HyperionSerializerSetup.Empty.WithDisallowUnsafeType(true).WithTypeFilter(filter.Build());
    }

    /// <summary>The seed address of a coordinator node, as workers join it.</summary>
    public static string SeedAddress(string host, int port) => $"akka.tcp://{SystemName}@{host}:{port}";
}
