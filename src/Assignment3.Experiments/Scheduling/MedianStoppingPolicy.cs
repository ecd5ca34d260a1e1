using Assignment3.Experiments.Configuration;
using Assignment3.Experiments.Sweeps;
using Assignment3.Experiments.Text;

namespace Assignment3.Experiments.Scheduling;

/// <summary>
/// The median stopping rule (Golovin et al., Google Vizier 2017), made deterministic: every trial
/// pauses at the end of each cycle from <c>min-budget</c> on; trial t, paused at cycle c, stops when
/// its best validation accuracy so far is below the median of the best-so-far at cycle c of the
/// trials planned before it (lower ids) that got there, once at least <c>min-trials</c> of them did.
/// The decision waits until every earlier trial has got to cycle c or ended, so it depends on
/// results alone, never on who reported first.
/// </summary>
public sealed class MedianStoppingPolicy(StagePlan plan, int minBudget, int minTrials) : IStagePolicy
{
    public int NextStop(PlannedTrial trial, int fromStep)
    {
        var cycle = trial.Config.StepsPerCycle;
        for (var c = Math.Max(minBudget, fromStep / cycle + 1); c < trial.Config.Cycles; c++)
            if (c * cycle > fromStep)
                return c * cycle;
        return trial.Config.TotalSteps;
    }

    public IEnumerable<SweepEvent> Decide(StageState stage, SweepState sweep)
    {
        var decisions = new List<SweepEvent>();
        foreach (var trial in stage.PausedTrials.Select(id => sweep.Find(id)!))
        {
            var cycle = trial.CheckpointStep / trial.Plan.Config.StepsPerCycle;
            var earlier = new List<double>();
            var settled = true;
            for (var id = plan.FirstId; id < trial.Id && settled; id++)
            {
                if (sweep.Find(id) is not { } other)
                {
                    settled = false;
                    break;
                }
                var step = cycle * other.Plan.Config.StepsPerCycle;
                if (other.ValidationAccuracyAt(step) is not null)
                    earlier.Add(other.BestValidationAccuracyUpTo(step)!.Value);
                else
                    settled = other.IsFinal;
            }
            if (!settled)
                continue;
            var best = trial.BestValidationAccuracyUpTo(trial.CheckpointStep) ?? double.NaN;
            if (earlier.Count >= minTrials && !(best >= Median(earlier)))
                decisions.Add(
                    new TrialStopped(
                        trial.Id,
                        $"best validation accuracy {Readable.Number(best)} is below the "
                            + $"median {Readable.Number(Median(earlier))} of {earlier.Count} earlier trials at cycle {cycle}"
                    )
                );
            else
                decisions.Add(new TrialPromoted(trial.Id, NextStop(trial.Plan, trial.CheckpointStep)));
        }
        return decisions;
    }

    public IReadOnlyList<RungRow> Rungs(StageState stage, SweepState sweep)
    {
        var trials = sweep.Trials.Where(t => stage.Plan.Contains(t.Id)).ToArray();
        var most = trials.Select(t => t.Plan.Config.Cycles).DefaultIfEmpty(0).Max();
        var rows = new List<RungRow>();
        for (var c = minBudget; c < most; c++)
        {
            int Step(Trial t) => c * t.Plan.Config.StepsPerCycle;
            var reached = trials.Where(t => t.ValidationAccuracyAt(Step(t)) is not null).ToArray();
            var stopped = reached.Count(t => t.Phase == TrialPhase.Stopped && t.CheckpointStep == Step(t));
            var waiting = reached.Count(t => t.Phase == TrialPhase.Paused && t.CheckpointStep == Step(t));
            rows.Add(
                new RungRow(
                    0,
                    c - minBudget,
                    c,
                    trials.Count(t => t.StepReached >= Step(t) || t.TargetStep >= Step(t) && !t.IsFinal),
                    reached.Length,
                    reached.Length == 0
                        ? null
                        : Median(reached.Select(t => t.BestValidationAccuracyUpTo(Step(t))!.Value).ToList()),
                    reached.Length - stopped - waiting,
                    stopped
                )
            );
        }
        return rows;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}

/// <summary><c>median { min-budget, min-trials }</c>.</summary>
public sealed class MedianSchedule : IScheduleKind
{
    public static readonly MedianSchedule Instance = new();

    public string Name => "median";
    public IReadOnlyList<SettingKey> Keys { get; } = [new("min-budget", 1, 1), new("min-trials", 3, 1)];
    public bool StopsEarly => true;

    public string Describe(ScheduleSpec spec) =>
        $"{Name} ({spec.FromBudget}, at least {spec.Whole("min-trials")} trials)";

    public IStagePolicy Create(ScheduleSpec spec, StagePlan plan, int seed) =>
        new MedianStoppingPolicy(plan, spec.Whole("min-budget"), spec.Whole("min-trials"));
}
