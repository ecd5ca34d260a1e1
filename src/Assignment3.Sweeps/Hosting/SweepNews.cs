using Assignment3.Experiments.Sweeps;
using Assignment3.Experiments.Text;

namespace Assignment3.Sweeps.Hosting;

/// <summary>
/// One plain line per thing that happens to a trial, for logs (a3 sweep with stdout not a
/// terminal, or --progress plain): started on which node, recorded with its accuracy, paused,
/// promoted, stopped, requeued with the reason, failed, diverged.
/// </summary>
public static class SweepNews
{
    /// <summary>The line for <paramref name="e"/>, applied to <paramref name="state"/> already; null for events not worth a line.</summary>
    public static string? Line(SweepEvent e, SweepState state)
    {
        string Name(int id) =>
            state.Find(id) is { } t ? $"trial {id} ({Describe(t.Plan, state.Config)})" : $"trial {id}";
        return e switch
        {
            StageOpened s =>
                $"stage {s.Stage}: {state.Stages.FirstOrDefault(x => x.Name == s.Stage)?.Plan.Count ?? 0} trials planned",
            RoundProposed r =>
                $"stage {r.Stage}: round {r.Round} proposed, trials {state.Planned - r.Points.Length + 1} to {state.Planned}"
                    + (r.Points.Length == 0 ? " (none: every point of the space was proposed)" : ""),
            TrialStarted s => $"{Name(s.Trial)} started on {s.Node}/{s.Slot}"
                + (s.GroupOf != s.Trial ? $" together with trial {s.GroupOf}" : "")
                + (state.Find(s.Trial)?.Retried == true ? $" (hand-out {s.Attempt}: the last one was lost)" : "")
                + (s.FromStep > 0 ? $", going on from step {s.FromStep}" : ""),
            TrialRecorded { Outcome.Status: TrialStatus.Completed } r =>
                $"{Name(r.Trial)} recorded: validation accuracy {Readable.Number(r.Outcome.ValidationAccuracy)}"
                    + (
                        double.IsFinite(r.Outcome.TestAccuracy)
                            ? $", test {Readable.Number(r.Outcome.TestAccuracy)}"
                            : ""
                    )
                    + $" ({Readable.Number(state.Find(r.Trial)?.Seconds ?? r.Outcome.Seconds)} s on {r.Node})",
            TrialRecorded { Outcome.Status: TrialStatus.Diverged } r =>
                $"{Name(r.Trial)} diverged at step {r.Outcome.DivergedAtStep}",
            TrialRecorded r => $"{Name(r.Trial)} failed: {r.Outcome.Error}",
            TrialPaused p =>
                $"{Name(p.Trial)} paused at step {p.Outcome.UpdateSteps}: validation accuracy {Readable.Number(p.Outcome.ValidationAccuracy)}",
            TrialPromoted p => $"{Name(p.Trial)} promoted: goes on to step {p.ToStep}",
            TrialStopped s => $"{Name(s.Trial)} stopped early: {s.Reason}",
            TrialRequeued r => $"{Name(r.Trial)} back in the queue: {r.Reason}",
            SweepCompleted => "sweep complete",
            _ => null,
        };
    }

    /// <summary>A trial by the values it is tabled by (the table's row and column parameters).</summary>
    public static string Describe(PlannedTrial trial, SweepConfig config)
    {
        var keys = new[] { config.Table.Rows, config.Table.Columns }.OfType<string>();
        return string.Join(", ", keys.Select(k => $"{k}={Readable.Value(trial.Value(k))}"));
    }
}
