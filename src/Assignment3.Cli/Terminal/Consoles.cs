using Spectre.Console;

namespace Assignment3.Cli.Terminal;

public static class Consoles
{
    /// <summary>Where progress and tables go: stdout, or stderr when stdout carries JSON.</summary>
    public static IAnsiConsole ForHumans(bool jsonOnStdout) =>
        jsonOnStdout ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }) : AnsiConsole.Console;
}
