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
        var decisions = new List<(int Trial, SweepEvent Decision)>();
        foreach (var (cycle, tally) in tallies)
        {
            tally.Advance(sweep, plan, cycle);
            foreach (var (id, earlier) in tally.Passed.ToArray())
            {
                var trial = sweep.Find(id)!;
                if (trial.IsFinal || trial.TargetStep > Step(trial.Plan, cycle))
                    tally.Passed.Remove(id); // decided at this cycle, or ended before it
                else if (trial.Phase == TrialPhase.Paused)
                    decisions.Add((id, Decision(trial, cycle, earlier)));
            }
        }
        return decisions.OrderBy(d => d.Trial).Select(d => d.Decision).ToArray();
    }

    public void Observe(StageState stage, Trial trial)
    {
        if (trial.Phase == TrialPhase.Paused)
            tallies.TryAdd(trial.CheckpointStep / trial.Plan.Config.StepsPerCycle, new CycleTally(plan.FirstId));
    }

    private SweepEvent Decision(Trial trial, int cycle, (int Count, double Median) earlier)
    {
        var best = trial.BestValidationAccuracyUpTo(trial.CheckpointStep) ?? double.NaN;
        return earlier.Count >= minTrials && !(best >= earlier.Median)
            ? new TrialStopped(
                trial.Id,
                $"best validation accuracy {Readable.Number(best)} is below the "
                    + $"median {Readable.Number(earlier.Median)} of {earlier.Count} earlier trials at cycle {cycle}"
            )
            : new TrialPromoted(trial.Id, NextStop(trial.Plan, trial.CheckpointStep));
    }

    private static int Step(PlannedTrial trial, int cycle) => cycle * trial.Config.StepsPerCycle;

    /// <summary>Tallies by cycle, made when a trial first pauses there.</summary>
    private readonly SortedDictionary<int, CycleTally> tallies = new();

    /// <summary>
    /// One cycle's decisions as they become possible: the first trial not settled there (not yet got
    /// there nor ended), the best-so-far there of every trial before it that got there, and for each
    /// trial passed but not decided yet, how many of the trials before it got there and their median.
    /// A trial is decided once every trial before it is settled, so the trials are passed in id order,
    /// each once: asked afresh of every earlier trial, a decision walked the stage.
    /// </summary>
    private sealed class CycleTally(int firstId)
    {
        private int next = firstId;
        private readonly RunningMedian earlier = new();

        public Dictionary<int, (int Count, double Median)> Passed { get; } = new();

        public void Advance(SweepState sweep, StagePlan plan, int cycle)
        {
            for (; next <= plan.LastId && sweep.Find(next) is { } trial; next++)
            {
                var step = Step(trial.Plan, cycle);
                var got = trial.ValidationAccuracyAt(step) is not null;
                if (!got && !trial.IsFinal)
                    return;
                if (!trial.IsFinal)
                    Passed[next] = (earlier.Count, earlier.Median);
                if (got)
                    earlier.Add(trial.BestValidationAccuracyUpTo(step)!.Value);
            }
        }
    }

    /// <summary>
    /// The median of a growing list (the mean of the two middle values for an even count; NaN sorts
    /// first, as in <see cref="Median"/>): the lower half in a max-heap, the upper half in a min-heap.
    /// </summary>
    private sealed class RunningMedian
    {
        private readonly PriorityQueue<double, double> lower = new(Comparer<double>.Create((a, b) => b.CompareTo(a)));
        private readonly PriorityQueue<double, double> upper = new();

        public int Count => lower.Count + upper.Count;

        public double Median =>
            Count == 0 ? double.NaN
            : lower.Count > upper.Count ? lower.Peek()
            : (lower.Peek() + upper.Peek()) / 2;

        public void Add(double value)
        {
            if (lower.Count == 0 || value.CompareTo(lower.Peek()) <= 0)
                lower.Enqueue(value, value);
            else
                upper.Enqueue(value, value);
            if (lower.Count > upper.Count + 1)
                upper.Enqueue(lower.Peek(), lower.Dequeue());
            else if (upper.Count > lower.Count)
                lower.Enqueue(upper.Peek(), upper.Dequeue());
        }
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
