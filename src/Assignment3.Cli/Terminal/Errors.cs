using Assignment3.Core.Data;
using Assignment3.Experiments.Configuration;
using Spectre.Console.Cli;

namespace Assignment3.Cli.Terminal;

public static class Errors
{
    public const int Failed = 1;
    public const int BadInput = 2;

    /// <summary>Bad input (flags, configs, data) gets its message and exit code 2, not a stack trace.</summary>
    public static int Report(Exception exception)
    {
        var (kind, code) = exception switch
        {
            CommandParseException or CommandRuntimeException => ("invalid command line", BadInput),
            ConfigException => ("invalid config", BadInput),
            DataException => ("data problem", BadInput),
            Assignment3.Storage.StoreException => ("sweep store problem", BadInput),
            ArgumentException => ("invalid setting", BadInput),
            OperationCanceledException => ("cancelled", Failed),
            _ => ("unexpected error", Failed),
        };
        // Plain text, one line, unwrapped: messages name paths that must survive intact (and be greppable).
        Console.Error.WriteLine($"a3: {kind}: {exception.Message}");
        if (code == Failed && exception is not OperationCanceledException)
            Console.Error.WriteLine(exception.ToString());
        return code;
    }
}
