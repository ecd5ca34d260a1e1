using Assignment3.Cli.Terminal;
using Assignment3.Sweeps.Hosting;
using Spectre.Console;

namespace Assignment3.Tests.Cli;

public class LiveViewTests
{
    [Fact]
    public void Running_trials_show_their_parameters_and_those_of_one_group_say_so()
    {
        RunningTrial[] running =
        [
            new(5, "10.0.0.6:4053", 450, 900, Group: 5, Parameters: "lambda=1.00e-03, batch-norm=true"),
            new(6, "10.0.0.6:4053", 450, 900, Group: 5, Parameters: "lambda=0.0100, batch-norm=true"),
            new(9, "10.0.0.7:4053", 100, 900, Group: 9, Parameters: "lambda=0.100, batch-norm=false"),
        ];
        var snapshot = new SweepSnapshot(
            "coarse",
            12,
            4,
            0,
            0,
            5,
            running,
            (3, 0.51),
            TimeSpan.FromSeconds(40),
            TimeSpan.FromSeconds(80),
            false,
            []
        );
        var text = new StringWriter();
        var console = AnsiConsole.Create(
            new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Out = new AnsiConsoleOutput(text),
                Interactive = InteractionSupport.No,
            }
        );
        console.Profile.Width = 160;

        console.Write(LiveView.Render(snapshot));

        var lines = text.ToString().Split('\n');
        Assert.Contains(lines, l =>
            l.TrimStart().StartsWith("5 ") && l.Contains("lambda=1.00e-03, batch-norm=true") && l.Contains("group 5")
        );
        Assert.Contains(lines, l =>
            l.TrimStart().StartsWith("6 ") && l.Contains("lambda=0.0100, batch-norm=true") && l.Contains("group 5")
        );
        Assert.Contains(lines, l =>
            l.TrimStart().StartsWith("9 ") && l.Contains("lambda=0.100, batch-norm=false") && !l.Contains("group")
        );
    }
}
