using System.ComponentModel;
using Assignment3.Cli.Terminal;
using Assignment3.Experiments.Sweeps;
using Assignment3.Experiments.Text;
using Assignment3.Storage;
using Assignment3.Storage.Report;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Assignment3.Cli.Commands;

public sealed class SweepFolderSettings : CommandSettings
{
    [CommandArgument(0, "<DIR>"), Description("The output folder of an a3 sweep (running, finished or interrupted).")]
    public string Folder { get; init; } = "";

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Folder)
            ? ValidationResult.Error("give the output folder of an a3 sweep")
            : ValidationResult.Success();
}

/// <summary>Rebuilds report.html (and the search-space plot) of any sweep folder from its store.</summary>
public sealed class ReportCommand : Command<SweepFolderSettings>
{
    public override int Execute(CommandContext context, SweepFolderSettings settings, CancellationToken cancellation)
    {
        var console = Consoles.ForHumans(false);
        var report = Rebuild(console, Path.GetFullPath(settings.Folder));
        console.MarkupLineInterpolated($"Wrote [blue]{report}[/] ({new FileInfo(report).Length / 1024.0:F0} KB)");
        return 0;
    }

    /// <summary>report.html (and plots/search-space.png) of <paramref name="folder"/> from its store, as it stands; returns the report's path.</summary>
    public static string Rebuild(IAnsiConsole console, string folder)
    {
        var (_, state, _) = SweepFolders.Read(console, folder);
        var report = ReportData.From(
            state,
            SweepFolder.Rows(state),
            SweepFolder.Fronts(state),
            folder,
            state.Completed ? SweepRunState.Complete : SweepRunState.Interrupted,
            state.LastEventAt ?? DateTime.UtcNow
        );
        SweepReport.Write(report);
        SearchSpacePlot.Write(folder, report);
        return Path.Combine(folder, SweepReport.FileName);
    }
}

public sealed class StatusSettings : CommandSettings
{
    [CommandArgument(0, "<DIR>"), Description("The output folder of an a3 sweep (running, finished or interrupted).")]
    public string Folder { get; init; } = "";

    [CommandOption("--json"), Description("Print the status as JSON.")]
    public bool Json { get; init; }
}

/// <summary>
/// A sweep's state read from its store (a copy: the coordinator writing it is not disturbed), for a
/// second terminal or another machine sharing the folder.
/// </summary>
public sealed class StatusCommand : Command<StatusSettings>
{
    public override int Execute(CommandContext context, StatusSettings settings, CancellationToken cancellation)
    {
        using var json = JsonStdout.Claim(settings.Json);
        var console = Consoles.ForHumans(settings.Json);
        var folder = Path.GetFullPath(settings.Folder);
        var (_, state, _) = SweepFolders.Read(console, folder);
        var rows = SweepFolder.Rows(state);
        var (first, last) = (state.StartedAt ?? DateTime.UtcNow, state.LastEventAt ?? DateTime.UtcNow);
        var count = (TrialPhase status) => rows.Count(r => r.Status == status);
        var recorded = state.Recorded;
        var search = SearchReport.From(state);
        // A search's budget counts before its rounds are proposed.
        var remaining = state.Planned - recorded + (search is null ? 0 : search.Budget - search.Proposed);
        // The pace so far: recorded trials over the time between the first event and the last.
        TimeSpan? eta =
            state.Completed || recorded == 0 || last <= first
                ? null
                : TimeSpan.FromSeconds((last - first).TotalSeconds / recorded * remaining);
        var best = ReportData.Best(rows);
        var front = SweepFolder.Fronts(state).FirstOrDefault(f => f.Stage == SweepFolder.AllStages);
        var running = state
            .Trials.Where(t => t.Phase == TrialPhase.Running)
            .Select(t => new
            {
                trial = t.Id,
                node = t.Node,
                group = t.Group,
                fromStep = t.CheckpointStep,
                toStep = t.TargetStep,
            })
            .ToArray();
        var status = new
        {
            name = state.Config.Experiment.Name,
            folder,
            state = state.Completed ? "complete" : "not complete",
            stage = state.Current.Name,
            planned = state.Planned,
            recorded,
            completed = count(TrialPhase.Completed),
            stoppedEarly = count(TrialPhase.Stopped),
            diverged = count(TrialPhase.Diverged),
            failed = count(TrialPhase.Failed),
            running = running.Length,
            paused = state.Paused,
            queued = state.Queued,
            best = best is null
                ? null
                : new
                {
                    trial = best.Trial,
                    stage = best.Stage,
                    validationAccuracy = best.ValidationAccuracy,
                    parameters = best.Parameters.ToDictionary(p => p.Key, p => p.Value),
                },
            search = search is null
                ? null
                : new
                {
                    method = search.Method,
                    proposed = search.Proposed,
                    budget = search.Budget,
                    roundsProposed = search.Rounds,
                    openRounds = search.OpenRounds,
                    lag = search.Lag,
                },
            front = front is null
                ? null
                : new
                {
                    size = front.Members.Count,
                    trials = front.Members.Select(m => m.Trial).ToArray(),
                    hypervolume = front.Hypervolume,
                    reference = front.Objectives.Select((o, k) => (o.Metric.Name, front.Reference[k])).ToDictionary(),
                    feasible = front.Feasible,
                    infeasible = front.Infeasible,
                },
            runningTrials = running,
            startedAt = first,
            lastEventAt = last,
            etaSeconds = eta?.TotalSeconds is { } s ? Math.Round(s) : (double?)null,
        };
        if (json is not null)
        {
            json.Write(status);
            return 0;
        }
        console.WriteLine($"{status.name} ({folder}): {status.state}, stage {status.stage}");
        console.WriteLine(
            $"{recorded} of {state.Planned} trials recorded: {status.completed} completed"
                + (status.stoppedEarly > 0 ? $", {status.stoppedEarly} stopped early" : "")
                + $", {status.diverged} diverged, {status.failed} failed; "
                + $"{running.Length} running, {state.Paused} paused, {state.Queued} queued"
        );
        if (search is not null)
            console.WriteLine($"{search.Method} {search.Progress}");
        if (best is not null)
            console.WriteLine(
                $"best: trial {best.Trial} ({best.Stage}) validation accuracy {Readable.Number(best.ValidationAccuracy!.Value)}: "
                    + string.Join(", ", best.Parameters.Select(p => $"{p.Key}={Readable.Value(p.Value)}"))
            );
        if (front is not null)
            console.WriteLine(
                $"front of {string.Join(" and ", front.Objectives)}: {front.Members.Count} trial{(front.Members.Count == 1 ? "" : "s")}"
                    + (front.Members.Count > 0 ? $" ({string.Join(", ", front.Members.Select(m => m.Trial))})" : "")
                    + $" of {front.Feasible} feasible"
                    + (front.Infeasible > 0 ? $" ({front.Infeasible} break a constraint)" : "")
                    + $", hypervolume {Readable.Number(front.Hypervolume)}"
            );
        foreach (var group in running.GroupBy(r => (r.group, r.node, r.fromStep, r.toStep)))
            console.WriteLine(
                $"running: trial{(group.Count() > 1 ? "s" : "")} {string.Join(", ", group.Select(r => r.trial))}"
                    + $"{(group.Count() > 1 ? " together" : "")} on {group.Key.node} (steps {group.Key.fromStep} to {group.Key.toStep})"
            );
        console.WriteLine(
            $"last event {Readable.Number((DateTime.UtcNow - last).TotalSeconds)} s ago"
                + (eta is { } e ? $"; ETA {e:hh\\:mm\\:ss} at the pace so far" : "")
        );
        return 0;
    }
}
