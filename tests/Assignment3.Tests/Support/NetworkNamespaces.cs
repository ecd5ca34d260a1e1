namespace Assignment3.Tests.Support;

/// <summary>
/// Hosts of their own on this machine: one network namespace per host, each with one address on a
/// switch (a bridge in a namespace of its own), so the test can cut and restore one host's link.
/// Nothing leaves the namespaces; all of them are deleted on dispose.
/// </summary>
public sealed class NetworkNamespaces : IDisposable
{
    private readonly string prefix = $"a3t{Environment.ProcessId % 100000}";
    private readonly List<string> namespaces = new();

    /// <param name="hosts">Names of the hosts; host i gets the address 10.77.0.(i + 1).</param>
    public NetworkNamespaces(params string[] hosts)
    {
        Switch = Namespace("sw");
        Root.Run("ip", "netns", "exec", Switch, "ip", "link", "add", "br0", "type", "bridge");
        Root.Run("ip", "netns", "exec", Switch, "ip", "link", "set", "br0", "up");
        for (var i = 0; i < hosts.Length; i++)
        {
            var ns = Namespace(hosts[i]);
            var (inside, outside) = ($"{prefix}{i}a", $"{prefix}{i}b");
            Root.Run("ip", "link", "add", inside, "type", "veth", "peer", "name", outside);
            Root.Run("ip", "link", "set", inside, "netns", ns);
            Root.Run("ip", "link", "set", outside, "netns", Switch);
            Root.Run("ip", "netns", "exec", ns, "ip", "addr", "add", $"10.77.0.{i + 1}/24", "dev", inside);
            Root.Run("ip", "netns", "exec", ns, "ip", "link", "set", inside, "up");
            Root.Run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
            Root.Run("ip", "netns", "exec", Switch, "ip", "link", "set", outside, "master", "br0");
            Root.Run("ip", "netns", "exec", Switch, "ip", "link", "set", outside, "up");
            Hosts[hosts[i]] = (ns, $"10.77.0.{i + 1}", outside);
        }
    }

    public string Switch { get; }
    public Dictionary<string, (string Namespace, string Address, string SwitchPort)> Hosts { get; } = new();

    /// <summary>Unplugs a host from the switch (packets to and from it are dropped; its connections stay open).</summary>
    public void Cut(string host) =>
        Root.Run("ip", "netns", "exec", Switch, "ip", "link", "set", Hosts[host].SwitchPort, "down");

    public void Restore(string host) =>
        Root.Run("ip", "netns", "exec", Switch, "ip", "link", "set", Hosts[host].SwitchPort, "up");

    private string Namespace(string name)
    {
        var ns = $"{prefix}-{name}";
        Root.Run("ip", "netns", "add", ns);
        namespaces.Add(ns);
        return ns;
    }

    public void Dispose()
    {
        foreach (var ns in namespaces)
            Root.Run("ip", "netns", "delete", ns); // veth pairs go with them
    }
}
