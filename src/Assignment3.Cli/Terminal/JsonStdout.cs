using Assignment3.Storage;

namespace Assignment3.Cli.Terminal;

/// <summary>
/// stdout as --json promises it: one JSON document and nothing else, whatever else the process prints
/// (under load, Akka's own logger warns on Console.Out before the configured loggers answer). Claimed
/// when a command starts: from then on Console.Out is stderr, and the command writes its document here.
/// Disposing gives Console.Out back (a3 run in-process, by tests).
/// </summary>
public sealed class JsonStdout : IDisposable
{
    private readonly TextWriter stdout;

    private JsonStdout()
    {
        stdout = Console.Out;
        Console.SetOut(Console.Error);
    }

    /// <summary>stdout for the JSON document when <paramref name="json"/>; null (nothing claimed) otherwise.</summary>
    public static JsonStdout? Claim(bool json) => json ? new JsonStdout() : null;

    public void Write(object document)
    {
        stdout.WriteLine(Json.Serialize(document));
        stdout.Flush();
    }

    public void Dispose() => Console.SetOut(stdout);
}
