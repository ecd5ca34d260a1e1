using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Assignment3.Experiments.Text;
using Assignment3.Sweeps.Hosting;
using Spectre.Console;

namespace Assignment3.Cli.Terminal;

/// <summary>How a command shows its progress: a live view redrawn in place, plain lines for logs, or nothing.</summary>
public enum ProgressMode
{
    Auto,
    Live,
    Plain,
    None,
}

/// <summary>--progress: auto (live on a terminal, plain otherwise), live, plain or none.</summary>
public sealed class ProgressModeConverter : TypeConverter
{
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) =>
        sourceType == typeof(string);

    public override object ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        Enum.TryParse<ProgressMode>((string)value, ignoreCase: true, out var mode)
        && Enum.IsDefined(mode)
        && !int.TryParse((string)value, out _)
            ? mode
            : throw new FormatException(
                $"'{Errors.Excerpt((string)value)}' is not a progress mode; expected auto, live, plain or none"
            );
}

public static class Progress
{
    /// <summary>What <see cref="ProgressMode.Auto"/> means for this console: live on a terminal, plain lines otherwise.</summary>
    public static ProgressMode Resolve(ProgressMode mode, IAnsiConsole console) =>
        mode != ProgressMode.Auto ? mode
        : console.Profile.Capabilities.Interactive ? ProgressMode.Live
        : ProgressMode.Plain;

    /// <summary>A plain line with the time since <paramref name="clock"/> started: [00:01:23] text.</summary>
    public static void Line(IAnsiConsole console, Stopwatch clock, string text) =>
        console.WriteLine($"[{clock.Elapsed:hh\\:mm\\:ss}] {text}");
}

/// <summary>
/// A sweep's progress as plain lines: one per trial event as the aggregator announces it, and a
/// one-line summary at most every a3.sweep.summary-interval; no redraws, no escape codes.
/// </summary>
public static class PlainProgress
{
    public static async Task RunAsync(
        IAnsiConsole console,
        SweepMonitor monitor,
        Task completion,
        SweepSettings settings
    )
    {
        var clock = Stopwatch.StartNew();
        var lastSummary = TimeSpan.Zero;
        while (!completion.IsCompleted)
        {
            Flush(console, monitor, clock);
            if (clock.Elapsed - lastSummary >= settings.SummaryInterval)
            {
                lastSummary = clock.Elapsed;
                Progress.Line(console, clock, Summary(monitor.Current));
            }
            await Task.WhenAny(completion, Task.Delay(settings.PlainLinesInterval));
        }
        Flush(console, monitor, clock);
    }

    private static void Flush(IAnsiConsole console, SweepMonitor monitor, Stopwatch clock)
    {
        foreach (var line in monitor.TakeNews())
            Progress.Line(console, clock, line);
    }

    public static string Summary(SweepSnapshot s) =>
        $"stage {s.Stage}: {s.Recorded}/{s.Planned} recorded ({s.Completed} completed"
        + (s.Stopped > 0 ? $", {s.Stopped} stopped early" : "")
        + (s.Diverged > 0 ? $", {s.Diverged} diverged" : "")
        + (s.Failed > 0 ? $", {s.Failed} failed" : "")
        + $"), {s.Running.Count} running, {s.Queued} queued"
        + (s.Paused > 0 ? $", {s.Paused} paused" : "")
        + (s.Best is { } best ? $"; best trial {best.Trial} ({Readable.Number(best.ValidationAccuracy)})" : "")
        + (s.Remaining is { } eta ? $"; ETA {eta:hh\\:mm\\:ss}" : "");
}
