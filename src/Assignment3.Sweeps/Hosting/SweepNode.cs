using Akka.Actor;
using Akka.Configuration;

namespace Assignment3.Sweeps.Hosting;

/// <summary>Starts the actor system of a coordinator or worker node from hocon/cluster.conf plus command-line settings.</summary>
public static class SweepNode
{
    public const string SystemName = "a3";
    public const string CoordinatorRole = "coordinator";
    public const string WorkerRole = "worker";
    public const string CoordinatorName = "coordinator";

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

    // The Hyperion allow-list lives in hocon/cluster.conf: Akka 1.5's HyperionSerializer drops a type
    // filter given through HyperionSerializerSetup (it builds its options from the unmodified settings).
    public static ActorSystem Start(Config config) => ActorSystem.Create(SystemName, config);

    /// <summary>The seed address of a coordinator node, as workers join it.</summary>
    public static string SeedAddress(string host, int port) => $"akka.tcp://{SystemName}@{host}:{port}";
}
