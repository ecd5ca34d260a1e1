using Assignment3.Experiments.Configuration;
using Assignment3.Experiments.Sweeps;
using Assignment3.Experiments.Text;

namespace Assignment3.Experiments.Scheduling;

/// <summary>
/// A fixed bar: every trial pauses at <c>min-budget</c> cycles and goes on to its end only when its
/// validation accuracy there is at least <c>min-accuracy</c>. No trial's fate depends on another's,
/// so each is decided as soon as its own result is in.
/// </summary>
public sealed class ThresholdPolicy(int budget, double minAccuracy) : IStagePolicy
{
    public int NextStop(PlannedTrial trial, int fromStep) =>
        budget < trial.Config.Cycles && fromStep < Stop(trial) ? Stop(trial) : trial.Config.TotalSteps;

    public IEnumerable<SweepEvent> Decide(StageState stage, SweepState sweep) =>
        stage
            .PausedTrials.Select(id => sweep.Find(id)!)
            .Select(t =>
                t.ValidationAccuracyAt(t.CheckpointStep) is { } accuracy && accuracy >= minAccuracy
                    ? (SweepEvent)new TrialPromoted(t.Id, t.Plan.Config.TotalSteps)
                    : new TrialStopped(
                        t.Id,
                        $"validation accuracy {Readable.Number(t.ValidationAccuracyAt(t.CheckpointStep) ?? double.NaN)} "
                            + $"at {budget} cycles is below {Readable.Number(minAccuracy)}"
                    )
            );

    public IReadOnlyList<RungRow> Rungs(StageState stage, SweepState sweep)
    {
        var trials = sweep.Trials.Where(t => stage.Plan.Contains(t.Id) && budget < t.Plan.Config.Cycles).ToArray();
        var reached = trials.Where(t => t.ValidationAccuracyAt(Stop(t.Plan)) is not null).ToArray();
        var stopped = reached.Count(t => t.Phase == TrialPhase.Stopped);
        var waiting = reached.Count(t => t.Phase == TrialPhase.Paused);
        return
        [
            new RungRow(
                0,
                0,
                budget,
                trials.Length,
                reached.Length,
                minAccuracy,
                reached.Length - stopped - waiting,
                stopped
            ),
        ];
    }

    private int Stop(PlannedTrial trial) => budget * trial.Config.StepsPerCycle;
}

/// <summary><c>threshold { min-budget, min-accuracy }</c>.</summary>
public sealed class ThresholdSchedule : IScheduleKind
{
    public static readonly ThresholdSchedule Instance = new();

    public string Name => "threshold";
    public IReadOnlyList<SettingKey> Keys { get; } = [new("min-budget", 1, 1), new("min-accuracy", 0, 0, Whole: false)];
    public bool StopsEarly => true;

    public string Describe(ScheduleSpec spec) =>
        $"{Name} (validation accuracy >= {Readable.Number(spec.Value("min-accuracy"))} at {spec.Whole("min-budget")} cycles)";

    public IStagePolicy Create(ScheduleSpec spec, StagePlan plan, int seed) =>
        new ThresholdPolicy(spec.Whole("min-budget"), spec.Value("min-accuracy"));
}
