using Akka.Actor;
using Akka.Event;

namespace Assignment3.Sweeps.Hosting;

/// <summary>
/// Akka's log as plain lines on stderr, one per event, no stack traces. Nodes come and go in a sweep:
/// the transport's reports of that (associations failed, gated, disassociated; seed nodes not
/// answering; members marked unreachable) are expected, and the coordinator and the command line
/// say what they mean for the sweep in their own lines, so they are left out here. A remote address
/// that cannot be reached is named once per reason (a TLS handshake refused, say), not every 5 s.
/// </summary>
public sealed class PlainLogger : ReceiveActor
{
    private readonly HashSet<string> namedOnce = new();

    public PlainLogger()
    {
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(e =>
        {
            if (Line(e) is { } line)
                Console.Error.WriteLine(line);
        });
    }

    private string? Line(LogEvent e)
    {
        var message = e.Message?.ToString() ?? "";
        // Akka.Remote's own (internal) exceptions for an association that ended or never formed.
        if (
            e is Error { Cause: { } remote }
            && remote.GetType().Name
                is "EndpointDisassociatedException"
                    or "ShutDownAssociation"
                    or "InvalidAssociation"
                    or "EndpointAssociationException"
        )
            return null;
        if (
            message.StartsWith("Association with remote system", StringComparison.Ordinal)
            && message.Contains("has failed")
        )
            return null;
        if (message.StartsWith("Couldn't join seed nodes", StringComparison.Ordinal))
            return null;
        if (
            message.Contains("Marking node(s) as UNREACHABLE", StringComparison.Ordinal)
            || message.Contains("Marking node(s) as REACHABLE", StringComparison.Ordinal)
        )
            return null;
        if (message.StartsWith("Tried to associate with unreachable remote address", StringComparison.Ordinal))
        {
            // "... [akka.tcp://a3@host:port]. Address is now gated ... Reason: [why] Caused by: ..."
            var address = Between(message, "[", "]");
            var reason = Between(message, "Reason: [", "]") ?? "";
            var firstLine = reason.Split('\n')[0].Trim();
            return namedOnce.Add($"{address}|{firstLine}") ? Format(e, $"cannot reach {address}: {firstLine}") : null;
        }
        var cause = e is Error { Cause: { } c } ? $" ({c.GetType().Name}: {c.Message.Split('\n')[0].Trim()})" : "";
        return Format(e, message.Split('\n')[0].Trim() + cause);
    }

    private static string Format(LogEvent e, string text) =>
        $"{e.Timestamp.ToLocalTime():HH:mm:ss} {e.LogLevel().ToString().Replace("Level", "").ToLowerInvariant()}: {text}";

    private static string? Between(string text, string open, string close)
    {
        var start = text.IndexOf(open, StringComparison.Ordinal);
        if (start < 0)
            return null;
        start += open.Length;
        var end = text.IndexOf(close, start, StringComparison.Ordinal);
        return end < 0 ? text[start..] : text[start..end];
    }
}
