using Spectre.Console;

namespace Assignment3.Cli.Terminal;

public static class Consoles
{
    /// <summary>
    /// Where progress and tables go: stdout, or stderr when stdout carries JSON. Written to a terminal,
    /// with colours and the terminal's width; written to a file or a pipe, plain: no escape codes, no
    /// interactive displays, and lines never wrapped (a log is read by grep and by people alike).
    /// </summary>
    /// <param name="progress">live forces a terminal's console (escape codes, redraws) even into a file or pipe.</param>
    public static IAnsiConsole ForHumans(bool jsonOnStdout, ProgressMode progress = ProgressMode.Auto)
    {
        var (writer, redirected) = jsonOnStdout
            ? (Console.Error, Console.IsErrorRedirected)
            : (Console.Out, Console.IsOutputRedirected);
        if (redirected && progress == ProgressMode.Live)
            return AnsiConsole.Create(
                new AnsiConsoleSettings
                {
                    Ansi = AnsiSupport.Yes,
                    Interactive = InteractionSupport.Yes,
                    Out = new AnsiConsoleOutput(writer),
                }
            );
        if (!redirected)
            return jsonOnStdout
                ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) })
                : AnsiConsole.Console;
        var console = AnsiConsole.Create(
            new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
                Out = new AnsiConsoleOutput(writer),
            }
        );
        console.Profile.Width = 100_000;
        return console;
    }
}
