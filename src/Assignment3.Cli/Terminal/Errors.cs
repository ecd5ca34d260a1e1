using Assignment3.Core.Data;
using Assignment3.Experiments.Configuration;
using Spectre.Console;
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
            ArgumentException => ("invalid setting", BadInput),
            OperationCanceledException => ("cancelled", Failed),
            _ => ("unexpected error", Failed),
        };
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        console.MarkupLine($"[red]a3: {kind}:[/] {Markup.Escape(exception.Message)}");
        if (code == Failed && exception is not OperationCanceledException)
            console.WriteLine(exception.ToString());
        return code;
    }
}
