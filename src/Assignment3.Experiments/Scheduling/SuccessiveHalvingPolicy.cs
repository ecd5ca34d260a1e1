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
        foreach (var (bracket, members) in Members(stage, sweep))
        {
            for (var rung = 0; rung + 1 < bracket.Budgets.Count; rung++)
            {
                var view = Rung(bracket, members, rung, tradeOffs);
                var promotions = bracket.Promotions(rung);
                if (!tradeOffs.RanksByValidationAccuracy && view.Missing > 0)
                    break; // the order can still change: this rung, and the ones above it, wait for its last result
                foreach (var trial in view.Paused)
                {
                    var better = view.Ranked.IndexOf(trial);
                    if (better + view.Missing < promotions)
                        decisions.Add(new TrialPromoted(trial.Id, NextStop(trial.Plan, trial.CheckpointStep)));
                    else if (better >= promotions)
                        decisions.Add(
                            new TrialStopped(
                                trial.Id,
                                $"not among the best {promotions} of {bracket.MaxEntering(rung)}"
                                    + (tradeOffs.RanksByValidationAccuracy ? "" : " by non-dominated rank")
                                    + $" at {Cycles(bracket.Budgets[rung])}"
                                    + (brackets.Count > 1 ? $" (bracket {bracket.Index})" : "")
                            )
                        );
                }
                if (!view.Complete)
                    break; // later rungs wait for this one's promotions
            }
        }
        return decisions;
    }

    public IReadOnlyList<RungRow> Rungs(StageState stage, SweepState sweep)
    {
        var rows = new List<RungRow>();
        var tradeOffs = sweep.Config.TradeOffs;
        foreach (var (bracket, members) in Members(stage, sweep))
            for (var rung = 0; rung < bracket.Budgets.Count; rung++)
            {
                var view = Rung(bracket, members, rung, tradeOffs);
                var last = rung + 1 == bracket.Budgets.Count;
                var promoted = last ? 0 : members.Count(t => t is not null && t.Rung > rung);
                // Under several objectives no single accuracy separates the promoted from the rest.
                var cutOff =
                    !last && view.Complete && promoted > 0 && tradeOffs.RanksByValidationAccuracy
                        ? view
                            .Ranked.Take(bracket.Promotions(rung))
                            .Select(t => t.ValidationAccuracyAt(StepAt(t.Plan, bracket, rung)))
                            .LastOrDefault()
                        : null;
                rows.Add(
                    new RungRow(
                        bracket.Index,
                        rung,
                        bracket.Budgets[rung],
                        view.Entering,
                        view.Known,
                        cutOff,
                        promoted,
                        members.Count(t => t is { Phase: TrialPhase.Stopped } && t.Rung == rung)
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

    /// <summary>A rung as it stands: its entrants so far, their known results ranked, the undecided pauses.</summary>
    private sealed record RungView(
        int Entering,
        int Known,
        int Missing,
        List<Trial> Ranked,
        List<Trial> Paused,
        bool Complete
    );

    private RungView Rung(Bracket bracket, Trial?[] members, int rung, TradeOffs tradeOffs)
    {
        var entering = 0;
        var known = 0;
        var ranked = new List<Trial>();
        var paused = new List<Trial>();
        foreach (var trial in members)
        {
            if (rung > 0 && (trial is null || trial.Rung < rung))
                continue;
            entering++;
            if (trial is null)
                continue;
            var step = StepAt(trial.Plan, bracket, rung);
            if (trial.ValidationAccuracyAt(step) is { } accuracy && double.IsFinite(accuracy))
            {
                known++;
                ranked.Add(trial);
                if (trial.Phase == TrialPhase.Paused && trial.Rung == rung && trial.CheckpointStep == step)
                    paused.Add(trial);
            }
            else if (trial.IsFinal)
                known++; // ended before the rung (diverged, failed): a result that is never promoted
        }
        if (tradeOffs.RanksByValidationAccuracy)
            ranked.Sort(
                (a, b) =>
                {
                    var byAccuracy = b.ValidationAccuracyAt(StepAt(b.Plan, bracket, rung))!
                        .Value.CompareTo(a.ValidationAccuracyAt(StepAt(a.Plan, bracket, rung))!.Value);
                    return byAccuracy != 0 ? byAccuracy : a.Id.CompareTo(b.Id);
                }
            );
        else
            ranked = tradeOffs.RankAt(ranked, t => StepAt(t.Plan, bracket, rung));
        // Before the rung below is complete, up to its promotions may still enter.
        var previousComplete = rung == 0 || Rung(bracket, members, rung - 1, tradeOffs) is { Complete: true };
        var most = previousComplete ? entering : bracket.MaxEntering(rung);
        return new RungView(
            entering,
            known,
            most - known,
            ranked,
            paused,
            previousComplete && known == entering && paused.Count == 0
        );
    }

    /// <summary>Each bracket's trial ids in id order, for the stage's trials planned so far (a search stage's grow by rounds).</summary>
    private (int Planned, int[][] Ids) memberIds = (-1, []);

    /// <summary>
    /// Each bracket with its members: the trials handed out so far, and null for the rest. Only the
    /// handed-out ones' plans are read (their own): computing every planned trial on every decision
    /// made a stage of 4,000 trials take 26 ms per decision.
    /// </summary>
    private IEnumerable<(Bracket Bracket, Trial?[] Members)> Members(StageState stage, SweepState sweep)
    {
        var plan = stage.Plan;
        if (memberIds.Planned != plan.Count)
            memberIds = (
                plan.Count,
                Enumerable
                    .Range(plan.FirstId, plan.Count)
                    .GroupBy(bracketOf)
                    .OrderBy(g => g.Key)
                    .Select(g => g.ToArray())
                    .ToArray()
            );
        foreach (var ids in memberIds.Ids)
            yield return (brackets[bracketOf(ids[0])], Array.ConvertAll(ids, sweep.Find));
    }

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
