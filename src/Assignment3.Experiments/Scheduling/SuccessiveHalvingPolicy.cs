using Assignment3.Experiments.Configuration;
using Assignment3.Experiments.Objectives;
using Assignment3.Experiments.Search;
using Assignment3.Experiments.Sweeps;

namespace Assignment3.Experiments.Scheduling;

/// <summary>
/// One successive-halving run over some of a stage's trials: every member trains to
/// <see cref="Budgets"/>[0] cycles; at each rung the best 1/eta by validation accuracy (ties by trial
/// id; diverged and failed trials never) go on to the next budget, the rest stop; the last budget is
/// the trials' own cycles.
/// </summary>
/// <param name="Index">The bracket's number in its stage (0 for plain successive halving).</param>
/// <param name="Size">Trials in the bracket.</param>
/// <param name="Budgets">Cycles of each rung, increasing; the last is the largest budget.</param>
public sealed record Bracket(int Index, int Size, IReadOnlyList<int> Budgets, int Eta)
{
    /// <summary>Rungs at <paramref name="minBudget"/> x eta^k cycles below <paramref name="maxBudget"/>, then <paramref name="maxBudget"/>.</summary>
    public static Bracket Of(int index, int size, int minBudget, int maxBudget, int eta)
    {
        var budgets = new List<int>();
        for (long b = minBudget; b < maxBudget; b *= eta)
            budgets.Add((int)b);
        budgets.Add(maxBudget);
        return new Bracket(index, size, budgets, eta);
    }

    /// <summary>How many trials may go on from rung k: a fixed number, known before any result (1/eta of the rung's size, at least 1).</summary>
    public int Promotions(int rung)
    {
        var size = Size;
        for (var k = 0; k <= rung; k++)
            size = Math.Max(1, size / Eta);
        return size;
    }

    /// <summary>Most trials that can enter rung k.</summary>
    public int MaxEntering(int rung) => rung == 0 ? Size : Promotions(rung - 1);
}

/// <summary>
/// Successive halving (Jamieson and Talwalkar 2016) over brackets of a stage's trials (one bracket;
/// Hyperband builds several, see <see cref="HyperbandPolicy"/>). Promotions are deterministic: which
/// trials go on depends on the rung's results alone. A paused trial is decided as soon as the
/// decision is certain whatever the missing results turn out to be (so slots are not kept waiting
/// for a rung's last result): it goes on at once when even every missing result beating it would
/// leave it among the promoted, and stops once enough known results beat it. Under other or several
/// objectives, or constraints on results (<see cref="TradeOffs.RankAt"/>), a rung ranks by non-dominated
/// sorting; a new result can then reorder the others, so its trials are decided once all its results are in.
/// </summary>
public sealed class SuccessiveHalvingPolicy(IReadOnlyList<Bracket> brackets, Func<int, int> bracketOf) : IStagePolicy
{
    public IReadOnlyList<Bracket> Brackets => brackets;

    /// <summary>Plain successive halving: every trial of the plan in one bracket, from <paramref name="minBudget"/> cycles up to the trials' cycles.</summary>
    public static SuccessiveHalvingPolicy Create(StagePlan plan, int eta, int minBudget) =>
        new([Bracket.Of(0, plan.Count, minBudget, MaxCycles(plan), eta)], _ => 0);

    /// <summary>The largest <c>cycles</c> of a plan's trials: the largest budget.</summary>
    public static int MaxCycles(StagePlan plan) => plan.Trials().Select(t => t.Config.Cycles).DefaultIfEmpty(1).Max();

    public int? BracketOf(int trial) => brackets.Count > 1 ? bracketOf(trial) : null;

    public int NextStop(PlannedTrial trial, int fromStep)
    {
        var bracket = brackets[bracketOf(trial.Id)];
        for (var rung = 0; rung < bracket.Budgets.Count; rung++)
            if (StepAt(trial, bracket, rung) is var step && step > fromStep)
                return step;
        return trial.Config.TotalSteps;
    }

    public IEnumerable<SweepEvent> Decide(StageState stage, SweepState sweep)
    {
        var decisions = new List<SweepEvent>();
        var tradeOffs = sweep.Config.TradeOffs;
        foreach (var (bracket, views) in Views(stage))
            for (var rung = 0; rung + 1 < bracket.Budgets.Count; rung++)
            {
                var (tally, view) = (Tally(bracket.Index, rung), views[rung]);
                if (!tradeOffs.RanksByValidationAccuracy && view.Missing > 0)
                    break; // the order can still change: this rung, and the ones above it, wait for its last result
                if (tally.Paused.Count > 0)
                    decisions.AddRange(Decided(bracket, rung, tally, view.Missing, sweep));
                if (!view.Complete)
                    break; // later rungs wait for this one's promotions
            }
        return decisions;
    }

    /// <summary>
    /// The rung's paused trials that its results settle, in id order: promoted when even every missing
    /// result beating it leaves it among the promoted, stopped when enough known results beat it.
    /// </summary>
    private IEnumerable<SweepEvent> Decided(Bracket bracket, int rung, RungTally tally, int missing, SweepState sweep)
    {
        var tradeOffs = sweep.Config.TradeOffs;
        var promotions = bracket.Promotions(rung);
        var decided = new List<(int Trial, bool Promoted)>();
        if (tradeOffs.RanksByValidationAccuracy)
        {
            // Ranked and paused share one order, so the promoted are the best paused and the stopped the worst.
            foreach (var paused in tally.Paused)
                if (tally.Rank(paused) + missing < promotions)
                    decided.Add((paused.Trial, true));
                else
                    break;
            foreach (var paused in tally.Paused.Reverse())
                if (tally.Rank(paused) >= promotions)
                    decided.Add((paused.Trial, false));
                else
                    break;
        }
        else
        {
            var place = tradeOffs
                .RankAt(tally.Ranked.Select(r => sweep.Find(r.Trial)!), t => StepAt(t.Plan, bracket, rung))
                .Select((t, k) => (t.Id, k))
                .ToDictionary();
            foreach (var paused in tally.Paused)
                decided.Add((paused.Trial, place[paused.Trial] < promotions));
        }
        return decided
            .OrderBy(d => d.Trial)
            .Select(d =>
            {
                var trial = sweep.Find(d.Trial)!;
                return d.Promoted
                    ? (SweepEvent)new TrialPromoted(trial.Id, NextStop(trial.Plan, trial.CheckpointStep))
                    : new TrialStopped(
                        trial.Id,
                        $"not among the best {promotions} of {bracket.MaxEntering(rung)}"
                            + (tradeOffs.RanksByValidationAccuracy ? "" : " by non-dominated rank")
                            + $" at {Cycles(bracket.Budgets[rung])}"
                            + (brackets.Count > 1 ? $" (bracket {bracket.Index})" : "")
                    );
            })
            .ToArray();
    }

    public IReadOnlyList<RungRow> Rungs(StageState stage, SweepState sweep)
    {
        var rows = new List<RungRow>();
        var byAccuracy = sweep.Config.TradeOffs.RanksByValidationAccuracy;
        foreach (var (bracket, views) in Views(stage))
            for (var rung = 0; rung < bracket.Budgets.Count; rung++)
            {
                var (tally, view) = (Tally(bracket.Index, rung), views[rung]);
                var last = rung + 1 == bracket.Budgets.Count;
                // Promoted from this rung: entered the next one.
                var promoted = last ? 0 : Tally(bracket.Index, rung + 1).Entered;
                // Under several objectives no single accuracy separates the promoted from the rest.
                var cutOff =
                    !last && view.Complete && promoted > 0 && byAccuracy && tally.Ranked.Count > 0
                        ? tally.Ranked[Math.Min(bracket.Promotions(rung), tally.Ranked.Count) - 1].Accuracy
                        : (double?)null;
                rows.Add(
                    new RungRow(
                        bracket.Index,
                        rung,
                        bracket.Budgets[rung],
                        view.Entering,
                        tally.Known,
                        cutOff,
                        promoted,
                        tally.Stopped
                    )
                );
            }
        return rows;
    }

    /// <summary>
    /// In each bracket, the lowest rung not settled yet, when its missing results are all being trained
    /// now: the promotions not made yet (at most as many as the trials running there or paused there
    /// undecided), each the steps from that rung to the next. A rung's promotions are a number known in
    /// advance, so they can be planned for before the results say whose; not while some of its entrants
    /// still wait for a slot, nor a higher rung's (their results come after the queue's work).
    /// </summary>
    public double PendingSteps(StageState stage, SweepState sweep)
    {
        var steps = 0.0;
        foreach (var (bracket, members) in Members(stage, sweep))
            for (var rung = 0; rung + 1 < bracket.Budgets.Count; rung++)
            {
                var (running, undecided, promoted, waiting) = (0, 0, 0, false);
                PlannedTrial? runner = null;
                foreach (var trial in members)
                {
                    if (trial is null)
                        waiting |= rung == 0;
                    else if (trial.Rung > rung)
                        promoted++;
                    else if (trial.Rung < rung)
                        continue;
                    else if (trial.Phase == TrialPhase.Running && trial.TargetStep == StepAt(trial.Plan, bracket, rung))
                        (running, runner) = (running + 1, trial.Plan);
                    else if (trial.Phase == TrialPhase.Paused)
                        undecided++;
                    else if (!trial.IsFinal)
                        waiting = true;
                }
                var pending = Math.Min(bracket.Promotions(rung) - promoted, running + undecided);
                if (runner is not null && !waiting && pending > 0)
                    steps += pending * (double)(StepAt(runner, bracket, rung + 1) - StepAt(runner, bracket, rung));
                if (waiting || running + undecided > 0)
                    break;
            }
        return steps;
    }

    /// <summary>A rung as it stands: its entrants so far, the results it still misses, whether it is settled.</summary>
    private readonly record struct RungView(int Entering, int Missing, bool Complete);

    /// <summary>Each bracket with members, with its rungs as they stand, lowest first.</summary>
    private IEnumerable<(Bracket Bracket, RungView[] Rungs)> Views(StageState stage)
    {
        foreach (var (index, ids) in MemberIds(stage.Plan))
        {
            var bracket = brackets[index];
            var views = new RungView[bracket.Budgets.Count];
            var previousComplete = true;
            for (var rung = 0; rung < views.Length; rung++)
            {
                var tally = Tally(index, rung);
                var entering = rung == 0 ? ids.Length : tally.Entered;
                // Before the rung below is complete, up to its promotions may still enter.
                var most = previousComplete ? entering : bracket.MaxEntering(rung);
                var complete = previousComplete && tally.Known == entering && tally.Paused.Count == 0;
                views[rung] = new RungView(entering, most - tally.Known, complete);
                previousComplete = complete;
            }
            yield return (bracket, views);
        }
    }

    /// <summary>
    /// What one rung of one bracket has seen: its entrants past rung 0, its results (finite accuracies at
    /// its step, best first, ties by id, and endings before it without one), its paused trials waiting
    /// for a decision (in the same order) and its stopped ones. Kept as trials change (<see cref="Observe"/>),
    /// so a decision costs the same however many trials the stage has recorded: computed afresh from every
    /// trial, a stage of 4,000 trials took 2.2 ms per decision (every result asks for one).
    /// </summary>
    private sealed class RungTally
    {
        public int Entered;
        public int EndedWithout;
        public int Stopped;
        public readonly List<Result> Ranked = new();
        public readonly SortedSet<Result> Paused = new();

        public int Known => Ranked.Count + EndedWithout;

        /// <summary>How many known results beat this one.</summary>
        public int Rank(Result result) => Ranked.BinarySearch(result);

        public void Add(Result result) => Ranked.Insert(~Rank(result), result);
    }

    /// <summary>A trial's finite validation accuracy at a rung, ordered best first (ties by trial id).</summary>
    private readonly record struct Result(double Accuracy, int Trial) : IComparable<Result>
    {
        public int CompareTo(Result other) =>
            other.Accuracy.CompareTo(Accuracy) is var order && order != 0 ? order : Trial.CompareTo(other.Trial);
    }

    /// <summary>What a trial is counted in: the highest rung it entered, its results (a bit a rung), its stop.</summary>
    private record struct Counted(int Entered, long Results, bool Stopped);

    /// <summary>Tallies by bracket (a search stage's grow with its rounds), then rung.</summary>
    private readonly List<RungTally[]> tallies = new();

    /// <summary>What each of the stage's trials has been counted for, by its place in the plan.</summary>
    private readonly List<Counted> counted = new();

    private RungTally Tally(int bracket, int rung)
    {
        while (tallies.Count <= bracket)
            tallies.Add(
                Enumerable.Range(0, brackets[tallies.Count].Budgets.Count).Select(_ => new RungTally()).ToArray()
            );
        return tallies[bracket][rung];
    }

    public void Observe(StageState stage, Trial trial)
    {
        var bracket = brackets[bracketOf(trial.Id)];
        var place = trial.Id - stage.Plan.FirstId;
        while (counted.Count <= place)
            counted.Add(default);
        var was = counted[place];
        var now = was;
        for (var rung = 0; rung < bracket.Budgets.Count && (rung == 0 || trial.Rung >= rung); rung++)
        {
            var tally = Tally(bracket.Index, rung);
            if (rung > now.Entered)
                (tally.Entered, now.Entered) = (tally.Entered + 1, rung);
            var step = StepAt(trial.Plan, bracket, rung);
            var result =
                trial.ValidationAccuracyAt(step) is { } accuracy && double.IsFinite(accuracy)
                    ? new Result(accuracy, trial.Id)
                    : (Result?)null;
            // A result at a rung never changes (stored curves only grow), nor does an ending.
            if ((now.Results & (1L << rung)) == 0 && (result is not null || trial.IsFinal))
            {
                now.Results |= 1L << rung;
                if (result is { } known)
                    tally.Add(known);
                else
                    tally.EndedWithout++;
            }
            if (result is { } key)
                if (trial.Phase == TrialPhase.Paused && trial.Rung == rung && trial.CheckpointStep == step)
                    tally.Paused.Add(key);
                else
                    tally.Paused.Remove(key);
            if (!now.Stopped && trial.Phase == TrialPhase.Stopped && trial.Rung == rung)
                (tally.Stopped, now.Stopped) = (tally.Stopped + 1, true);
        }
        if (now != was)
            counted[place] = now;
    }

    /// <summary>Each bracket's trial ids, of the trials planned so far (a search stage's grow by rounds).</summary>
    private (int Planned, (int Bracket, int[] Ids)[] Groups) memberIds = (-1, []);

    private (int Bracket, int[] Ids)[] MemberIds(StagePlan plan)
    {
        if (memberIds.Planned != plan.Count)
            memberIds = (
                plan.Count,
                Enumerable
                    .Range(plan.FirstId, plan.Count)
                    .GroupBy(bracketOf)
                    .OrderBy(g => g.Key)
                    .Select(g => (g.Key, g.ToArray()))
                    .ToArray()
            );
        return memberIds.Groups;
    }

    /// <summary>
    /// Each bracket with its members: the trials handed out so far, and null for the rest. Only the
    /// handed-out ones' plans are read (their own): computing every planned trial on every call
    /// made a stage of 4,000 trials take 26 ms per decision.
    /// </summary>
    private IEnumerable<(Bracket Bracket, Trial?[] Members)> Members(StageState stage, SweepState sweep) =>
        MemberIds(stage.Plan).Select(g => (brackets[g.Bracket], Array.ConvertAll(g.Ids, sweep.Find)));

    /// <summary>The step of rung k for a trial: its budget in cycles (its own cycles at most), in update steps.</summary>
    private static int StepAt(PlannedTrial trial, Bracket bracket, int rung) =>
        Math.Min(bracket.Budgets[rung], trial.Config.Cycles) * trial.Config.StepsPerCycle;

    private static string Cycles(int cycles) => cycles == 1 ? "1 cycle" : $"{cycles} cycles";
}

/// <summary><c>successive-halving { eta, min-budget }</c>.</summary>
public sealed class SuccessiveHalvingSchedule : IScheduleKind
{
    public static readonly SuccessiveHalvingSchedule Instance = new();

    public string Name => "successive-halving";
    public IReadOnlyList<SettingKey> Keys { get; } = [new("eta", 3, 2), new("min-budget", 1, 1)];
    public bool StopsEarly => true;

    public string Describe(ScheduleSpec spec) => $"{Name} (eta {spec.Whole("eta")}, {spec.FromBudget})";

    public IStagePolicy Create(ScheduleSpec spec, StagePlan plan, int seed) =>
        plan is SearchPlan search
            ? SearchBrackets.Policy(search, spec.Whole("eta"), spec.Whole("min-budget"), hyperband: false)
            : SuccessiveHalvingPolicy.Create(plan, spec.Whole("eta"), spec.Whole("min-budget"));
}
