using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Remote.Transport.DotNetty;
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

    /// <summary>HOCON layered over hocon/cluster.conf without editing it, e.g. A3_HOCON='a3.sweep.checkpoint-interval = 1s'.</summary>
    public const string OverridesVariable = "A3_HOCON";

    /// <summary>The node's configuration: command-line settings over <see cref="OverridesVariable"/> over hocon/cluster.conf.</summary>
    public static Config Configuration(string host, int port, IEnumerable<string> roles, IEnumerable<string> seedNodes, string? extraHocon = null,
        bool tls = false)
    {
        if (!File.Exists(ClusterConfigPath)) throw new FileNotFoundException($"{ClusterConfigPath}: cluster configuration missing from the installation");
        string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        var overrides = $$"""
            akka.remote.dot-netty.tcp.hostname = {{Quote(host)}}
            akka.remote.dot-netty.tcp.port = {{port}}
            akka.cluster.roles = [{{string.Join(", ", roles.Select(Quote))}}]
            akka.cluster.seed-nodes = [{{string.Join(", ", seedNodes.Select(Quote))}}]
            akka.remote.dot-netty.tcp.enable-ssl = {{(tls ? "on" : "off")}}
            """;
        var fromEnvironment = Environment.GetEnvironmentVariable(OverridesVariable);
        Config userOverrides;
        try
        {
            userOverrides = ConfigurationFactory.ParseString(fromEnvironment ?? "");
        }
        catch (Exception e)
        {
            throw new ArgumentException($"{OverridesVariable}: not valid HOCON ({e.Message})", e);
        }
        return ConfigurationFactory.ParseString(overrides + "\n" + (extraHocon ?? ""))
            .WithFallback(userOverrides)
            .WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(ClusterConfigPath)));
    }

    // The Hyperion allow-list lives in hocon/cluster.conf: Akka 1.5's HyperionSerializer drops a type
    // filter given through HyperionSerializerSetup (it builds its options from the unmodified settings).
    public static ActorSystem Start(Config config, X509Certificate2? certificate = null)
    {
        var setup = BootstrapSetup.Create().WithConfig(config);
        if (certificate is null) return ActorSystem.Create(SystemName, setup);
        // Mutual TLS, and the peer must present the cluster's own certificate: a node with any other is refused.
        var tls = new DotNettySslSetup(certificate, suppressValidation: false, requireMutualAuthentication: true,
            CertificateValidation.PinnedCertificate(certificate.Thumbprint));
        return ActorSystem.Create(SystemName, ActorSystemSetup.Create(setup, tls));
    }

    /// <summary>The seed address of a coordinator node, as workers join it (akka.ssl.tcp with TLS).</summary>
    public static string SeedAddress(string host, int port, bool tls = false) =>
        $"{(tls ? "akka.ssl.tcp" : "akka.tcp")}://{SystemName}@{(host.Contains(':') ? $"[{host}]" : host)}:{port}";
}
