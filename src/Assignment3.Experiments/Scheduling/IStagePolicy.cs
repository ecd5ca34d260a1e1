using Assignment3.Experiments.Configuration;
using Assignment3.Experiments.Sweeps;

namespace Assignment3.Experiments.Scheduling;

/// <summary>
/// How a stage spends its budget: how far each trial trains before the policy looks at it, and what
/// the results so far settle about trials paused there. A policy is a pure function of the stage's
/// results: never of the order they arrived in, the number of workers, or restarts, so a sweep gives
/// the same tables however it ran. A new policy is one new file: the class and its <see cref="IScheduleKind"/>
/// (with a line in <see cref="Schedules.All"/>).
/// </summary>
public interface IStagePolicy
{
    /// <summary>The step a trial at <paramref name="fromStep"/> trains to next: its next decision point, or its last step.</summary>
    int NextStop(PlannedTrial trial, int fromStep);

    /// <summary>
    /// Decisions the results so far settle for the stage's paused trials: each a
    /// <see cref="TrialPromoted"/> (to <see cref="NextStop"/> from its step) or a <see cref="TrialStopped"/>.
    /// </summary>
    IEnumerable<SweepEvent> Decide(StageState stage, SweepState sweep);

    /// <summary>Where each decision point stands, for the rung tables and the live view (empty for a stage without any).</summary>
    IReadOnlyList<RungRow> Rungs(StageState stage, SweepState sweep);

    /// <summary>
    /// A trial of the stage changed (a live point aside): a policy that keeps tallies of its results
    /// updates them here, so that deciding costs the same however many trials the stage has recorded.
    /// </summary>
    void Observe(StageState stage, Trial trial) { }

    /// <summary>The trial's bracket (Hyperband), or null.</summary>
    int? BracketOf(int trial) => null;

    /// <summary>
    /// Update steps of the work the running trials' results will release (promotions not decided yet),
    /// so that a slot sharing out a short queue leaves room for it; 0 for a policy that promotes nothing.
    /// </summary>
    double PendingSteps(StageState stage, SweepState sweep) => 0;
}

/// <summary>
/// One decision point of a stage as it stands: trials that entered it, how many have a result there,
/// the accuracy a trial needs to go on (the last promoted one's, or the median; null until known),
/// and how many went on or were stopped.
/// </summary>
public sealed record RungRow(
    int Bracket,
    int Rung,
    double BudgetCycles,
    int Entering,
    int Results,
    double? CutOff,
    int Promoted,
    int Stopped
);

/// <summary>Every trial trains to its last step; nothing is decided on the way (the default).</summary>
public sealed class GridPolicy : IStagePolicy
{
    public static readonly GridPolicy Instance = new();

    public int NextStop(PlannedTrial trial, int fromStep) => trial.Config.TotalSteps;

    public IEnumerable<SweepEvent> Decide(StageState stage, SweepState sweep) => [];

    public IReadOnlyList<RungRow> Rungs(StageState stage, SweepState sweep) => [];
}

/// <summary><c>grid</c>: no settings; every trial to its end.</summary>
public sealed class GridSchedule : IScheduleKind
{
    public static readonly GridSchedule Instance = new();

    public string Name => "grid";
    public IReadOnlyList<SettingKey> Keys => [];
    public bool StopsEarly => false;

    public string Describe(ScheduleSpec spec) => Name;

    public IStagePolicy Create(ScheduleSpec spec, StagePlan plan, int seed) => GridPolicy.Instance;
}
