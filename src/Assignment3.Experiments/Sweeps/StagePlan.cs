using System.Collections.Concurrent;
using Assignment3.Experiments.Configuration;
using Assignment3.Experiments.Search;

namespace Assignment3.Experiments.Sweeps;

/// <summary>
/// The trials of one stage, numbered <see cref="FirstId"/> to <see cref="LastId"/>. A trial is
/// computed when it is asked for, so a plan of a million trials costs no more memory than one of ten.
/// </summary>
public abstract class StagePlan(string stage, int firstId)
{
    public string Stage { get; } = stage;
    public int FirstId { get; } = firstId;
    public abstract int Count { get; }
    public int LastId => FirstId + Count - 1;

    /// <summary>Things the planner wants the user to know (a refinement that fell outside a parameter's range).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public bool Contains(int id) => id >= FirstId && id <= LastId;

    /// <summary>Whether every trial the stage will have is planned (a search stage's grow round by round).</summary>
    public virtual bool IsComplete => true;

    /// <summary>The trial with this id (within the plan).</summary>
    public PlannedTrial Trial(int id) => At(IndexOf(id));

    /// <summary>
    /// The trial's config with every parameter at its value (what best-trial.conf and a refinement
    /// around the trial start from), computed when asked for: kept with every trial, it was the largest
    /// part of a recorded trial's memory.
    /// </summary>
    public ExperimentConfig Resolved(int id) => ResolvedAt(IndexOf(id));

    private int IndexOf(int id) =>
        Contains(id)
            ? id - FirstId
            : throw new ArgumentOutOfRangeException(
                nameof(id),
                $"trial {id} is not in stage {Stage} ({FirstId}-{LastId})"
            );

    /// <summary>Cycles of every trial trained to its end, summed (what early stopping saves is a share of).</summary>
    public virtual double FullCycles => Trials().Sum(t => (double)t.Config.Cycles);

    /// <summary>Every trial in id order, computed one at a time.</summary>
    public IEnumerable<PlannedTrial> Trials()
    {
        for (var i = 0; i < Count; i++)
            yield return At(i);
    }

    protected abstract PlannedTrial At(int index);

    protected abstract ExperimentConfig ResolvedAt(int index);
}

/// <summary>
/// The first stage: every combination of the experiment's parameters (each sweep.replicates times), computed from
/// its index; under constraints known before training, only the combinations that meet them (the rest are
/// skipped, with a warning saying how many).
/// </summary>
public sealed class GridPlan : StagePlan
{
    private readonly SweepConfig sweep;

    /// <summary>The variants that meet the constraints, in order; null when every variant is planned.</summary>
    private readonly int[]? admitted;

    public GridPlan(SweepConfig sweep, string stage, int firstId)
        : base(stage, firstId)
    {
        this.sweep = sweep;
        var variants = sweep.Experiment.VariantCount;
        if (sweep.TradeOffs.BeforeTraining.Count > 0)
        {
            admitted = Enumerable
                .Range(0, checked((int)variants))
                .Where(i => sweep.TradeOffs.Admits(sweep.Experiment.VariantAt(i).Config))
                .ToArray();
            if (admitted.Length < variants)
                Warnings =
                [
                    $"stage {stage}: {variants - admitted.Length:N0} of {variants:N0} configurations break "
                        + $"{string.Join(" or ", sweep.TradeOffs.BeforeTraining.Select(c => $"\"{c.Text}\""))} (sweep.constraints): skipped, never trained",
                ];
        }
        Count = checked((admitted?.Length ?? (int)variants) * sweep.Replicates);
    }

    public override int Count { get; }

    /// <summary>From the cycles' values, each of which a full grid has equally often: the plan may be huge.</summary>
    public override double FullCycles =>
        admitted is not null ? base.FullCycles
        : sweep.Experiment.Parameters.FirstOrDefault(p => p.Parameter == Parameter.Cycles) is { } cycles
            ? cycles.Values.Sum(Convert.ToDouble) * (Count / cycles.Values.Count)
        : (double)sweep.Experiment.VariantAt(0).Config.Cycles * Count;

    /// <summary>
    /// Each parameter value's text, one string however many trials show it: a grid has few values and
    /// can have millions of trials, each of which the coordinator and the aggregator keep once handed out.
    /// </summary>
    private readonly ConcurrentDictionary<string, string> texts = new();

    protected override PlannedTrial At(int index) =>
        SweepPlanner.Planned(sweep, Stage, FirstId + index, VariantOf(index), index % sweep.Replicates + 1, text =>
            texts.GetOrAdd(text, text)
        );

    protected override ExperimentConfig ResolvedAt(int index) => VariantOf(index).Resolved;

    private Variant VariantOf(int index)
    {
        var variant = index / sweep.Replicates;
        return sweep.Experiment.VariantAt(admitted?[variant] ?? variant);
    }
}

/// <summary>A stage whose trials were chosen from earlier results (a refinement): few, so kept.</summary>
public sealed class ListPlan(
    string stage,
    int firstId,
    IReadOnlyList<PlannedTrial> trials,
    IReadOnlyList<ExperimentConfig> resolved
) : StagePlan(stage, firstId)
{
    public override int Count => trials.Count;

    protected override PlannedTrial At(int index) => trials[index];

    protected override ExperimentConfig ResolvedAt(int index) => resolved[index];
}

/// <summary>
/// A search stage (sweep.search): trials are proposed round by round from results
/// (<see cref="RoundProposed"/>), so the plan grows until the search's budget is proposed, or a round
/// finds no new point (the space is exhausted).
/// </summary>
public sealed class SearchPlan(SweepConfig sweep, SearchSpec search, string stage, int firstId)
    : StagePlan(stage, firstId)
{
    private readonly List<PlannedTrial> trials = new();
    private readonly List<double[]> points = new();
    private readonly List<int> roundOf = new();
    private readonly List<bool> drawn = new();
    private readonly List<int> roundSizes = new();
    private bool exhausted;

    public SearchSpec Search { get; } = search;
    public override int Count => trials.Count;
    public override bool IsComplete => exhausted || trials.Count >= Search.Trials;

    /// <summary>Rounds proposed so far.</summary>
    public int Rounds { get; private set; }

    /// <summary>Results of earlier sweeps it learns from too (<see cref="SearchWarmStarted"/>), before its own.</summary>
    public IReadOnlyList<Observation> Warm { get; private set; } = [];

    internal void WarmStart(SearchWarmStarted e) =>
        Warm = e.Points.Zip(e.Losses, (p, l) => new Observation(p, l)).ToArray();

    /// <summary>Every point proposed so far, in trial order.</summary>
    public IReadOnlyList<double[]> Points => points;

    public int RoundOf(int id) => roundOf[id - FirstId];

    /// <summary>Whether the trial's point was drawn uniformly (round 0's initial design, a later round's random fraction).</summary>
    public bool WasDrawn(int id) => drawn[id - FirstId];

    public int RoundSize(int round) => roundSizes[round];

    /// <summary>The cycles every trial trains (a search does not vary them): the largest budget under early stopping.</summary>
    public int Cycles => sweep.Experiment.VariantAt(0).Config.Cycles;

    public double[] PointOf(int id) => points[id - FirstId];

    /// <summary>Trials of the round after the last proposed one: what <see cref="RoundProposed"/> must bring (fewer: the space is exhausted).</summary>
    public int NextRoundSize => Search.RoundSize(Rounds, trials.Count);

    protected override ExperimentConfig ResolvedAt(int index) =>
        Search.Space.Apply(points[index]).VariantAt(0).Resolved;

    internal void Add(RoundProposed round)
    {
        if (round.Points.Length < NextRoundSize)
            exhausted = true; // the method found no more new points
        for (var i = 0; i < round.Points.Length; i++)
        {
            var variant = Search.Space.Apply(round.Points[i]).VariantAt(0);
            trials.Add(SweepPlanner.Planned(sweep, Stage, FirstId + trials.Count, variant));
            points.Add(round.Points[i]);
            roundOf.Add(round.Round);
            drawn.Add(i >= round.Points.Length - round.Drawn);
        }
        roundSizes.Add(round.Points.Length);
        Rounds++;
    }

    /// <summary>The results a model may learn from now: every final trial's point and losses, in trial order.</summary>
    public IReadOnlyList<Observation> Observed(SweepState state) =>
        Trials()
            .Select(t =>
                state.Find(t.Id) is { IsFinal: true } trial ? sweep.TradeOffs.Observe(PointOf(t.Id), trial) : null
            )
            .OfType<Observation>()
            .ToArray();

    protected override PlannedTrial At(int index) => trials[index];
}
