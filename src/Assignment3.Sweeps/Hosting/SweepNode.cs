using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Remote.Transport.DotNetty;

namespace Assignment3.Sweeps.Hosting;

/// <summary>
/// Starts the actor system of a coordinator or worker node from hocon/cluster.conf (built into a3 as
/// its reference configuration, Akka's own pattern) plus command-line settings.
/// </summary>
public static class SweepNode
{
    public const string SystemName = "a3";
    public const string CoordinatorRole = "coordinator";
    public const string WorkerRole = "worker";
    public const string CoordinatorName = "coordinator";

    /// <summary>A loose copy here overrides what is built in, key by key; it is never required.</summary>
    public static string ClusterConfigPath => Path.Combine(AppContext.BaseDirectory, "hocon", "cluster.conf");

    /// <summary>hocon/cluster.conf as built into this a3: every key a node reads has its value here.</summary>
    public static Config Reference { get; } = ReadReference();

    private static Config ReadReference() =>
        ConfigurationFactory.FromResource("Assignment3.Sweeps.cluster.conf", typeof(SweepNode).Assembly)
        ?? throw new InvalidOperationException("the built-in cluster configuration is missing from Assignment3.Sweeps");

    /// <summary>HOCON layered over hocon/cluster.conf without editing it, e.g. A3_HOCON='a3.sweep.checkpoint-interval = 1s'.</summary>
    public const string OverridesVariable = "A3_HOCON";

    /// <summary>
    /// The node's configuration: command-line settings over <see cref="OverridesVariable"/> over a loose
    /// hocon/cluster.conf (when there is one) over the built-in <see cref="Reference"/>.
    /// </summary>
    public static Config Configuration(
        string host,
        int port,
        IEnumerable<string> roles,
        IEnumerable<string> seedNodes,
        string? extraHocon = null,
        bool tls = false
    )
    {
        // A HOCON object built from the values (serialized as JSON, HOCON's subset): no user text is spliced into config text.
        var node = ConfigurationFactory.FromObject(
            new Dictionary<string, object>
            {
                ["akka"] = new Dictionary<string, object>
                {
                    ["remote"] = new Dictionary<string, object>
                    {
                        ["dot-netty"] = new Dictionary<string, object>
                        {
                            ["tcp"] = new Dictionary<string, object>
                            {
                                ["hostname"] = host,
                                ["port"] = port,
                                ["enable-ssl"] = tls,
                            },
                        },
                    },
                    ["cluster"] = new Dictionary<string, object>
                    {
                        ["roles"] = roles.ToArray(),
                        ["seed-nodes"] = seedNodes.ToArray(),
                    },
                },
            }
        );
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
        var loose = File.Exists(ClusterConfigPath)
            ? ConfigurationFactory.ParseString(File.ReadAllText(ClusterConfigPath))
            : Config.Empty;
        return ConfigurationFactory
            .ParseString(extraHocon ?? "")
            .WithFallback(node)
            .WithFallback(userOverrides)
            .WithFallback(loose)
            .WithFallback(Reference);
    }

    // The Hyperion allow-list lives in hocon/cluster.conf: Akka 1.5's HyperionSerializer drops a type
    // filter given through HyperionSerializerSetup (it builds its options from the unmodified settings).
    public static ActorSystem Start(Config config, X509Certificate2? certificate = null)
    {
        var setup = BootstrapSetup.Create().WithConfig(config);
        if (certificate is null)
            return ActorSystem.Create(SystemName, setup);
        // Mutual TLS, and the peer must present the cluster's own certificate: a node with any other is refused.
        var tls = new DotNettySslSetup(
            certificate,
            suppressValidation: false,
            requireMutualAuthentication: true,
            CertificateValidation.PinnedCertificate(certificate.Thumbprint)
        );
        return ActorSystem.Create(SystemName, ActorSystemSetup.Create(setup, tls));
    }

    /// <summary>The seed address of a coordinator node, as workers join it (akka.ssl.tcp with TLS).</summary>
    public static string SeedAddress(string host, int port, bool tls = false) =>
        $"{(tls ? "akka.ssl.tcp" : "akka.tcp")}://{SystemName}@{(host.Contains(':') ? $"[{host}]" : host)}:{port}";
}
