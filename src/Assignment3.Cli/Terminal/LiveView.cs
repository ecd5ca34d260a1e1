using Assignment3.Experiments.Text;
using Assignment3.Sweeps.Hosting;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Assignment3.Cli.Terminal;

/// <summary>The sweep's live terminal view: counts, best so far, ETA, and a bar per running trial.</summary>
public static class LiveView
{
    public static Task RunAsync(IAnsiConsole console, SweepMonitor monitor, Task completion, SweepSettings settings) =>
        !console.Profile.Capabilities.Interactive
            ? completion.ContinueWith(_ => { })
            : console
                .Live(Render(monitor.Current))
                .AutoClear(false)
                .StartAsync(async live =>
                {
                    while (!completion.IsCompleted)
                    {
                        live.UpdateTarget(Render(monitor.Current));
                        await Task.WhenAny(completion, Task.Delay(settings.LiveRedrawInterval));
                    }
                    live.UpdateTarget(Render(monitor.Current));
                });

    public static IRenderable Render(SweepSnapshot s)
    {
        var header = new Markup(
            $"[bold]stage {Markup.Escape(s.Stage)}[/]  completed [green]{s.Completed}[/]/{s.Planned}  running [blue]{s.Running.Count}[/]  queued {s.Queued}"
                + (s.Paused > 0 ? $"  paused {s.Paused}" : "")
                + (s.Stopped > 0 ? $"  stopped early {s.Stopped}" : "")
                + (s.Diverged > 0 ? $"  diverged [yellow]{s.Diverged}[/]" : "")
                + (s.Failed > 0 ? $"  failed [red]{s.Failed}[/]" : "")
                + (s.Best is { } best ? $"  best: trial {best.Trial} ({Readable.Number(best.ValidationAccuracy)})" : "")
                + $"  elapsed {s.Elapsed:hh\\:mm\\:ss}"
                + (s.Remaining is { } eta ? $"  ETA {eta:hh\\:mm\\:ss}" : "")
        );
        var refused = s
            .Refused.Select(r => new Markup($"[red]refused[/] {Markup.Escape(r.Node)}: {Markup.Escape(r.Reason)}"))
            .ToArray();
        var rungs = s.Rungs.Select(r => new Markup($"[grey]{Markup.Escape(r)}[/]")).ToArray();
        if (s.Running.Count == 0)
            return new Rows([header, .. rungs, .. refused]);
        var table = new Table().NoBorder().AddColumns("trial", "parameters", "with", "node", "progress");
        foreach (var r in s.Running)
        {
            var fraction = r.TotalSteps == 0 ? 0 : (double)r.Step / r.TotalSteps;
            var filled = (int)Math.Round(fraction * 30);
            // Trials trained together in one group: the others of it, by their first.
            var with = s.Running.Count(o => o.Group == r.Group && o.Node == r.Node) > 1 ? $"group {r.Group}" : "";
            var bar = $"[blue]{new string('━', filled)}[/][grey]{new string('━', 30 - filled)}[/] {fraction:P0}";
            table.AddRow(r.Trial.ToString(), Markup.Escape(r.Parameters), with, Markup.Escape(r.Node), bar);
        }
        return new Rows([header, .. rungs, table, .. refused]);
    }
}
