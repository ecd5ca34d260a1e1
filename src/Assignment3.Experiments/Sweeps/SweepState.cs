using Assignment3.Experiments.Configuration;
using Assignment3.Experiments.Scheduling;
using Assignment3.Experiments.Search;

namespace Assignment3.Experiments.Sweeps;

/// <summary>A trial's next stretch of training: from its latest checkpoint (0: from scratch) to the step its policy stops it at.</summary>
public readonly record struct WorkItem(int Trial, int FromStep, int ToStep);

/// <summary>A stage of a sweep as it stands: its plan and policy, how far it has been handed out, and what is queued again.</summary>
public sealed class StageState(StagePlan plan, ScheduleSpec schedule, IStagePolicy policy)
{
    public StagePlan Plan { get; } = plan;
    public ScheduleSpec Schedule { get; } = schedule;
    public IStagePolicy Policy { get; } = policy;
    public string Name => Plan.Stage;

    /// <summary>Trials the policy let go on, waiting for a slot, by id.</summary>
    public SortedSet<int> Promoted { get; } = new();

    /// <summary>Trials paused at a decision point, waiting for the policy, by id.</summary>
    public SortedSet<int> PausedTrials { get; } = new();

    public int Paused => PausedTrials.Count;

    /// <summary>Trials handed out for the first time so far (new trials go out in id order, but for those that join a group ahead of their turn).</summary>
    public int Fresh { get; internal set; }

    /// <summary>The first trial never handed out (past the last when every one has been).</summary>
    public int FirstNew { get; internal set; }

    /// <summary>Trials that ran before and wait to run again (their worker was lost), by id.</summary>
    public SortedSet<int> Waiting { get; } = new();

    /// <summary>Trials on a worker slot now, by id.</summary>
    public SortedSet<int> RunningTrials { get; } = new();

    private readonly int[] finals = new int[Enum.GetValues<TrialPhase>().Length];

    /// <summary>Trials whose result is recorded.</summary>
    public int Final { get; private set; }

    /// <summary>Trials that ended in this final phase (stopped, completed, diverged, failed).</summary>
    public int FinalIn(TrialPhase phase) => finals[(int)phase];

    public int Running => RunningTrials.Count;
    public int Queued => Plan.Count - Fresh + Waiting.Count + Promoted.Count;
    public bool IsDone => Plan.IsComplete && Final == Plan.Count;

    /// <summary>A trial of this stage went from phase <paramref name="from"/> to <paramref name="to"/> (a fresh trial starts from queued).</summary>
    internal void Move(int trial, TrialPhase from, TrialPhase to)
    {
        if (from == to)
            return;
        Holding(from)?.Remove(trial);
        if (Holding(to) is { } set)
            set.Add(trial);
        else
        {
            Final++;
            finals[(int)to]++;
        }
    }

    /// <summary>The set a trial in this phase is kept in (none for final phases, which are counted).</summary>
    private SortedSet<int>? Holding(TrialPhase phase) =>
        phase switch
        {
            TrialPhase.Running => RunningTrials,
            TrialPhase.Paused => PausedTrials,
            TrialPhase.Queued => Waiting,
            TrialPhase.Promoted => Promoted,
            _ => null,
        };
}

/// <summary>
/// A sweep's state: the fold of its events (<see cref="Apply"/>), starting from the config's first
/// stage. The coordinator decides with it, the aggregator writes tables from it, and a3 status,
/// a3 report and --resume rebuild it from the store. Only trials that have been handed out exist as
/// <see cref="Trial"/> objects; the rest are computed from the stage plans when needed. A state that
/// only decides (the coordinator's: <see cref="ForDeciding"/>) also lets go of final trials nothing
/// decides from any more (<see cref="LetsGoOf"/>), so its memory does not grow with a long grid's results.
/// </summary>
public sealed class SweepState
{
    private readonly List<StageState> stages = new();

    /// <summary>
    /// Handed-out trials at their ids (ids are dense from the first stage's first; null: not handed out,
    /// or let go).
    /// </summary>
    private readonly List<Trial?> trials = new();

    /// <summary>Whether final trials nothing decides from leave memory (<see cref="LetsGoOf"/>).</summary>
    private readonly bool forgetsFinal;

    /// <summary>Final trials let go of, one bit per id (the ids past its length are not).</summary>
    private readonly System.Collections.BitArray letGo = new(0);

    /// <summary>
    /// Node and slot names, one string each however many hand-outs and results name them (each message
    /// brings its own copy).
    /// </summary>
    private readonly Dictionary<string, string> names = new();

    public SweepState(SweepConfig config)
        : this(config, forgetsFinal: false) { }

    private SweepState(SweepConfig config, bool forgetsFinal)
    {
        Config = config;
        this.forgetsFinal = forgetsFinal;
        stages.Add(Stage(SweepPlanner.FirstStage(config), 0));
    }

    /// <summary>
    /// The state after <paramref name="events"/> for deciding only: it lets go of final trials nothing
    /// decides from any more (<see cref="LetsGoOf"/>); <see cref="Trials"/> and <see cref="Find"/> no
    /// longer give them (what is written of them comes from a full state's copy: the aggregator's).
    /// </summary>
    public static SweepState ForDeciding(SweepConfig config, IEnumerable<SweepEvent> events) =>
        new SweepState(config, forgetsFinal: true).Folded(events);

    public SweepConfig Config { get; }
    public IReadOnlyList<StageState> Stages => stages;
    public StageState Current => stages[^1];
    public bool Completed { get; private set; }

    /// <summary>When the first event happened (the sweep's start, for wall time and rates).</summary>
    public DateTime? StartedAt { get; private set; }

    /// <summary>When the latest event happened.</summary>
    public DateTime? LastEventAt { get; private set; }

    /// <summary>The trials handed out so far, by id, those let go of aside.</summary>
    public IEnumerable<Trial> Trials => trials.OfType<Trial>();

    /// <summary>The completed trial with the best validation accuracy (the first such by id), or null.</summary>
    public Trial? Best { get; private set; }

    /// <summary>Update steps every trial has reached, running ones included (kept as events come, not summed).</summary>
    public long StepsReached { get; private set; }

    public int Planned => stages.Sum(s => s.Plan.Count);
    public int Running => stages.Sum(s => s.Running);
    public int Queued => stages.Sum(s => s.Queued);
    public int Recorded => stages.Sum(s => s.Final);
    public int Paused => stages.Sum(s => s.Paused);

    /// <summary>The trial with this id, or null: not handed out, or final and let go (<see cref="IsLetGo"/>).</summary>
    public Trial? Find(int id) => id >= 0 && id < trials.Count ? trials[id] : null;

    /// <summary>Whether the trial is final and this state let go of it (<see cref="ForDeciding"/>).</summary>
    public bool IsLetGo(int id) => id >= 0 && id < letGo.Length && letGo[id];

    private bool HandedOut(int id) => Find(id) is not null || IsLetGo(id);

    /// <summary>The planned trial with this id, whether or not it has run.</summary>
    public PlannedTrial Plan(int id) => Find(id) is { } t ? t.Plan : StageOf(id).Plan.Trial(id);

    /// <summary>The trial's config with every parameter at its value (<see cref="StagePlan.Resolved"/>).</summary>
    public ExperimentConfig Resolved(int id) => StageOf(id).Plan.Resolved(id);

    public StageState StageOf(int id) =>
        stages.FirstOrDefault(s => s.Plan.Contains(id))
        ?? throw new InvalidSweepEventException($"trial {id} belongs to no stage planned so far");

    /// <summary>
    /// The work to hand out next: a trial queued again first (it has waited longest), then a promoted
    /// one (its rung's results come sooner), then the next new one.
    /// </summary>
    public WorkItem? NextWork()
    {
        if (Completed)
            return null;
        var stage = Current;
        var id =
            stage.Waiting.Count > 0 ? stage.Waiting.Min
            : stage.Promoted.Count > 0 ? stage.Promoted.Min
            : stage.Plan.Contains(stage.FirstNew) ? stage.FirstNew
            : (int?)null;
        return id is { } trialId ? WorkFor(trialId) : null;
    }

    /// <summary>How many new trials past the first one <see cref="NextGroup"/> looks at for companions.</summary>
    public const int GroupLookahead = 1024;

    /// <summary>
    /// The work to hand out next (<see cref="NextWork"/>) and up to <paramref name="count"/> - 1 more a
    /// slot can train with it: due from the same step, on the same mini-batches (batch size and data
    /// order), in queue order: queued again, promoted, then new trials, which may go out ahead of their
    /// turn to join (every third trial of a grid with three replicates shares an order). Empty when
    /// there is no work.
    /// </summary>
    public IReadOnlyList<WorkItem> NextGroup(int count)
    {
        if (NextWork() is not { } first)
            return [];
        var group = new List<WorkItem> { first };
        var key = GroupKey(first);
        var stage = Current;
        IEnumerable<int> candidates = [.. stage.Waiting, .. stage.Promoted];
        var newTrials = Enumerable
            .Range(stage.FirstNew, Math.Max(0, Math.Min(GroupLookahead, stage.Plan.LastId + 1 - stage.FirstNew)))
            .Where(id => !HandedOut(id));
        foreach (var id in candidates.Concat(newTrials))
        {
            if (group.Count >= count)
                break;
            if (id == first.Trial)
                continue;
            var work = WorkFor(id);
            if (GroupKey(work) == key)
                group.Add(work);
        }
        return group;
    }

    /// <summary>What trials must share to train together: the step they start from, and their mini-batches (batch size and order).</summary>
    private (int FromStep, int BatchSize, int OrderSeed) GroupKey(WorkItem work)
    {
        var config = Plan(work.Trial).Config;
        return (work.FromStep, config.BatchSize, config.OrderSeed);
    }

    private WorkItem WorkFor(int id)
    {
        var stage = StageOf(id);
        if (Find(id) is not { } trial)
            return new WorkItem(id, 0, stage.Policy.NextStop(stage.Plan.Trial(id), 0));
        var to =
            trial.TargetStep > trial.CheckpointStep
                ? trial.TargetStep
                : stage.Policy.NextStop(trial.Plan, trial.CheckpointStep);
        return new WorkItem(id, trial.CheckpointStep, to);
    }

    /// <summary>What the current stage's policy decides now about its paused trials (events to commit, in order).</summary>
    public IReadOnlyList<SweepEvent> Decisions() => Completed ? [] : Current.Policy.Decide(Current, this).ToArray();

    /// <summary>
    /// The current search stage's next round, when every result it learns from is in (rounds up to
    /// see <see cref="SearchSpec.LastObservedRound"/>): what to propose it from. Null when
    /// no round is due (not a search stage, its budget proposed, or a result it needs still out).
    /// </summary>
    public RoundRequest? RoundDue()
    {
        if (Completed || Current.Plan is not SearchPlan plan || plan.IsComplete)
            return null;
        var last = plan.Search.LastObservedRound(plan.Rounds);
        var learned = new List<(double[] Point, Trial Trial)>();
        var pending = new List<double[]>();
        foreach (var planned in plan.Trials())
        {
            var point = plan.PointOf(planned.Id);
            if (plan.RoundOf(planned.Id) > last)
            {
                pending.Add(point);
                continue;
            }
            if (Find(planned.Id) is not { IsFinal: true } trial)
                return null;
            learned.Add((point, trial));
        }
        var observed = Observations.Learned(
            learned,
            Current.Schedule.StopsEarly,
            plan.Search.Space.Count,
            Config.TradeOffs
        );
        // The proposing task runs off the coordinator's thread: it gets a copy of the points, not the plan's live list.
        return new RoundRequest(
            plan.Search,
            Config.Seed,
            plan.Stage,
            plan.Rounds,
            [.. plan.Warm, .. observed],
            pending,
            plan.Points.ToArray(),
            plan.NextRoundSize
        );
    }

    /// <summary>What follows when the current stage is done: the next stage's name, or null when the sweep is complete.</summary>
    public string? NextStage => stages.Count <= Config.Stages.Count ? Config.Stages[stages.Count - 1].Name : null;

    /// <summary>
    /// Trials that completed or were stopped early, with their validation accuracy and how far they got (what
    /// refinement stages choose from).
    /// </summary>
    public IEnumerable<StageResult> Results() =>
        Trials
            .Where(t => t.Outcome is { Status: TrialStatus.Completed })
            .Select(t => new StageResult(
                t.Plan,
                t.Outcome!.ValidationAccuracy,
                (double)t.Outcome.UpdateSteps / t.Plan.Config.TotalSteps
            ));

    /// <summary>Throws <see cref="InvalidSweepEventException"/> when the event does not fit the state now; changes nothing.</summary>
    public void Check(SweepEvent e)
    {
        switch (e)
        {
            case RoundProposed round:
                CheckRound(round);
                break;
            case SearchWarmStarted warm:
                if (
                    Current.Plan is not SearchPlan { Rounds: 0, Warm.Count: 0 }
                    || warm.Stage != Current.Name
                    || warm.Points.Length != warm.Losses.Length
                )
                    throw new InvalidSweepEventException(
                        $"a warm start of stage {warm.Stage} comes after its first round, twice, or not for a search stage"
                    );
                break;
            case StageOpened opened:
                if (stages.All(s => s.Name != opened.Stage) && (!Current.IsDone || NextStage != opened.Stage))
                    throw new InvalidSweepEventException(
                        $"stage {opened.Stage} opens before stage {Current.Name} is done or out of order"
                    );
                break;
            case TrialStarted started:
                var stage = StageOf(started.Trial);
                if (IsLetGo(started.Trial))
                    throw LetGo(started.Trial, e);
                if (Find(started.Trial) is { } trial)
                    trial.Check(started);
                else if (stage != Current)
                    throw new InvalidSweepEventException(
                        $"trial {started.Trial} of stage {stage.Name} starts while stage {Current.Name} is open"
                    );
                else
                    new Trial(stage.Plan.Trial(started.Trial)).Check(started);
                break;
            case TrialRequeued or TrialCheckpointed or TrialPaused or TrialPromoted or TrialStopped or TrialRecorded:
                Existing(((ITrialEvent)e).Trial, e).Check(e);
                break;
            case SweepCompleted:
                if (!Current.IsDone || NextStage is not null)
                    throw new InvalidSweepEventException(
                        $"the sweep is marked complete while stage {Current.Name} has {Current.Plan.Count - Current.Final} trials open"
                    );
                break;
            case TrialPointReached:
                break;
            default:
                throw new InvalidSweepEventException($"unknown event {e.GetType().Name}");
        }
    }

    /// <summary>
    /// Changes the state by one event, checked whole first: one that does not fit it throws <see
    /// cref="InvalidSweepEventException"/> and changes nothing.
    /// </summary>
    public void Apply(SweepEvent e)
    {
        Check(e);
        if (e is not TrialPointReached)
        {
            StartedAt ??= e.At;
            LastEventAt = e.At;
        }
        switch (e)
        {
            case StageOpened opened:
                OpenStage(opened.Stage);
                break;
            case RoundProposed round:
                ((SearchPlan)Current.Plan).Add(round);
                break;
            case SearchWarmStarted warm:
                ((SearchPlan)Current.Plan).WarmStart(warm);
                break;
            case TrialStarted started:
                Start(started);
                break;
            case TrialRequeued requeued:
                Change(Existing(requeued.Trial, e), t => t.Requeue(requeued));
                break;
            case TrialCheckpointed checkpointed:
                Change(Existing(checkpointed.Trial, e), t => t.Checkpointed(checkpointed));
                break;
            case TrialPaused paused:
                Change(Existing(paused.Trial, e), t => t.Pause(paused with { Node = Name(paused.Node) }));
                break;
            case TrialPromoted promoted:
                Change(Existing(promoted.Trial, e), t => t.Promote(promoted));
                break;
            case TrialStopped stopped:
                Change(Existing(stopped.Trial, e), t => t.Stop(stopped));
                break;
            case TrialRecorded recorded:
                Change(Existing(recorded.Trial, e), t => t.Record(recorded with { Node = Name(recorded.Node) }));
                break;
            case SweepCompleted:
                Completed = true;
                break;
            case TrialPointReached point:
                if (Find(point.Trial) is { } reaching)
                    Change(reaching, t => t.PointReached(point), livePoint: true);
                break;
        }
    }

    private void CheckRound(RoundProposed round)
    {
        if (Current.Plan is not SearchPlan plan || round.Stage != Current.Name)
            throw new InvalidSweepEventException(
                $"round {round.Round} of stage {round.Stage}: stage {Current.Name} is not a search stage"
            );
        if (round.Round != plan.Rounds)
            throw new InvalidSweepEventException(
                $"round {round.Round} of stage {round.Stage} comes after round {plan.Rounds - 1}"
            );
        if (RoundDue() is null)
            throw new InvalidSweepEventException(
                $"round {round.Round} of stage {round.Stage} is proposed before the results it learns from are in, or past the budget"
            );
        if (round.Points.Length > plan.NextRoundSize || round.Points.Any(p => p.Length != plan.Search.Space.Count))
            throw new InvalidSweepEventException(
                $"round {round.Round} of stage {round.Stage}: {round.Points.Length} points "
                    + $"(at most {plan.NextRoundSize}, of {plan.Search.Space.Count} coordinates each)"
            );
    }

    /// <summary>The state after <paramref name="events"/>, in order, from the config's start.</summary>
    public static SweepState Replay(SweepConfig config, IEnumerable<SweepEvent> events) =>
        new SweepState(config).Folded(events);

    private SweepState Folded(IEnumerable<SweepEvent> events)
    {
        foreach (var e in events)
            Apply(e);
        return this;
    }

    private void OpenStage(string name)
    {
        if (stages.Any(s => s.Name == name))
            return; // the first stage is open from the start
        var plan = SweepPlanner.NextStage(Config, stages.Count, Results(), Current.Plan.LastId + 1, Resolved);
        stages.Add(Stage(plan, stages.Count));
    }

    private StageState Stage(StagePlan plan, int index)
    {
        var schedule = Config.ScheduleOf(index);
        return new StageState(plan, schedule, schedule.Create(plan, Config.Seed)) { FirstNew = plan.FirstId };
    }

    private void Start(TrialStarted e)
    {
        var stage = StageOf(e.Trial);
        if (Find(e.Trial) is not { } trial)
        {
            while (trials.Count <= e.Trial)
                trials.Add(null);
            trial = trials[e.Trial] = new Trial(stage.Plan.Trial(e.Trial));
            stage.Fresh++;
            while (HandedOut(stage.FirstNew))
                stage.FirstNew++;
        }
        Change(trial, t => t.Start(e with { Node = Name(e.Node), Slot = Name(e.Slot) }));
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the trial, tells its stage's policy (<see cref="IStagePolicy.Observe"/>),
    /// moves it between its stage's counts and queues accordingly, and keeps the sweep's totals (steps
    /// reached, best trial) without walking every trial.
    /// </summary>
    private void Change(Trial trial, Action<Trial> change, bool livePoint = false)
    {
        var (before, reached) = (trial.Phase, trial.Reached);
        change(trial);
        StepsReached += trial.Reached - reached;
        if (livePoint)
            return; // a running trial's live point changes neither its phase nor what its stage's policy counts
        var stage = StageOf(trial.Id);
        stage.Policy.Observe(stage, trial);
        if (before == trial.Phase)
            return;
        stage.Move(trial.Id, before, trial.Phase);
        if (!trial.IsFinal)
            return;
        var passed = Best;
        if (trial.Phase == TrialPhase.Completed && (Best is null || BeatsBest(trial)))
            Best = trial;
        if (passed is not null && passed != Best && LetsGoOf(StageOf(passed.Id)))
            Forget(passed.Id);
        if (trial != Best && LetsGoOf(stage))
            Forget(trial.Id);
    }

    /// <summary>
    /// Whether a state for deciding lets go of the stage's final trials (the best trial aside): when
    /// nothing decides from them any more: the stage stops nothing early (a policy ranks final trials),
    /// proposes no rounds (a search learns from them), and no stage comes after it (a refinement
    /// chooses from them). A long grid, the sweep's last stage, is the case that matters.
    /// </summary>
    private bool LetsGoOf(StageState stage) =>
        forgetsFinal
        && !stage.Schedule.StopsEarly
        && stage.Plan is not SearchPlan
        && stages.IndexOf(stage) == Config.Stages.Count;

    private void Forget(int id)
    {
        trials[id] = null;
        if (letGo.Length <= id)
            letGo.Length = Math.Max(id + 1, 2 * letGo.Length);
        letGo[id] = true;
    }

    private bool BeatsBest(Trial trial) =>
        trial.Outcome!.ValidationAccuracy.CompareTo(Best!.Outcome!.ValidationAccuracy) is var order
        && (order > 0 || order == 0 && trial.Id < Best.Id);

    private string Name(string name)
    {
        if (names.TryGetValue(name, out var known))
            return known;
        return names[name] = name;
    }

    private Trial Existing(int id, SweepEvent e) =>
        Find(id)
        ?? throw (
            IsLetGo(id)
                ? LetGo(id, e)
                : new InvalidSweepEventException($"{e.GetType().Name} for trial {id}, which never started")
        );

    private static InvalidSweepEventException LetGo(int id, SweepEvent e) =>
        new($"{e.GetType().Name} for trial {id}, which is recorded already");
}
