using Assignment3.Core.Data;
using Assignment3.Experiments.Configuration;
using Spectre.Console.Cli;

namespace Assignment3.Cli.Terminal;

public static class Errors
{
    public const int Failed = 1;
    public const int BadInput = 2;

    /// <summary>
    /// Bad input (flags, configs, data, stores, files) gets its message and exit code 2, not a stack
    /// trace. <paramref name="args"/> lets a flag whose value could not be converted be named.
    /// </summary>
    public static int Report(Exception exception, IReadOnlyList<string> args)
    {
        var (kind, code) = exception switch
        {
            CommandParseException or CommandRuntimeException => ("invalid command line", BadInput),
            ConfigException => ("invalid config", BadInput),
            DataException => ("data problem", BadInput),
            Assignment3.Storage.StoreException => ("sweep store problem", BadInput),
            ArgumentException => ("invalid setting", BadInput),
            IOException or UnauthorizedAccessException => ("file problem", BadInput),
            OperationCanceledException => ("cancelled", Failed),
            _ => ("unexpected error", Failed),
        };
        var message = exception is CommandRuntimeException { InnerException: FormatException format }
            ? $"{FlagOf(args, format.Message) ?? "a flag"}: {format.Message}"
            : exception.Message;
        // Plain text, one line, unwrapped: messages name paths that must survive intact (and be greppable).
        Console.Error.WriteLine($"a3: {kind}: {message}");
        if (code == Failed && exception is not OperationCanceledException)
            Console.Error.WriteLine(exception.ToString());
        return code;
    }

    /// <summary>At most <paramref name="length"/> characters of a user's text, for quoting it in a message.</summary>
    public static string Excerpt(string text, int length = 40) => ConfigException.Excerpt(text, length);

    /// <summary>The flag given the value quoted in a conversion message ('abc' is not ...), as --flag or --flag=value.</summary>
    private static string? FlagOf(IReadOnlyList<string> args, string message)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (
                arg.StartsWith("--", StringComparison.Ordinal)
                && arg.Contains('=')
                && message.StartsWith($"'{Excerpt(arg[(arg.IndexOf('=') + 1)..])}'", StringComparison.Ordinal)
            )
                return arg[..arg.IndexOf('=')];
            if (
                i > 0
                && args[i - 1].StartsWith('-')
                && message.StartsWith($"'{Excerpt(arg)}'", StringComparison.Ordinal)
            )
                return args[i - 1];
        }
        return null;
    }
}
