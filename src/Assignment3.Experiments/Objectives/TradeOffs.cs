using Akka.Configuration.Hocon;
using Assignment3.Core.Training;
using Assignment3.Experiments.Configuration;
using Assignment3.Experiments.Search;
using Assignment3.Experiments.Sweeps;

namespace Assignment3.Experiments.Objectives;

/// <summary>The non-dominated feasible trials of a stage, best first by the first objective, and the hypervolume they dominate.</summary>
/// <param name="Reference">Per objective, in the metric's units: where the hypervolume is measured from.</param>
/// <param name="Hypervolume">In the searches' units (<see cref="ObjectiveSpec.Loss"/>: accuracies as they are, counts in log10).</param>
public sealed record ParetoFront(
    IReadOnlyList<(Trial Trial, double[] Values)> Members,
    double[] Reference,
    double Hypervolume,
    int Feasible,
    int Infeasible
);

/// <summary>
/// What a sweep optimizes: <c>sweep.objectives</c> and <c>sweep.constraints</c>. The default, validation
/// accuracy maximized with no constraints, is the single number every sweep optimized before.
/// <code>
/// objectives = [ { metric = validation-accuracy, goal = max }, { metric = parameters, goal = min, reference = 200000 } ]
/// constraints = [ "parameters &lt;= 60000", "train-accuracy - validation-accuracy &lt;= 0.08" ]
/// </code>
/// </summary>
public sealed class TradeOffs(IReadOnlyList<ObjectiveSpec> objectives, IReadOnlyList<ConstraintSpec> constraints)
{
    public IReadOnlyList<ObjectiveSpec> Objectives { get; } = objectives;
    public IReadOnlyList<ConstraintSpec> Constraints { get; } = constraints;

    public static readonly TradeOffs Default = new([new ObjectiveSpec(Metric.ValidationAccuracy, true)], []);

    private static readonly string[] ObjectiveKeys = ["metric", "goal", "reference"];

    /// <summary>Whether this is the default: one number, validation accuracy, nothing bounded.</summary>
    public bool IsDefault => ValidationAccuracyAlone && Constraints.Count == 0;

    /// <summary>One objective, validation accuracy maximized, with no reference stated.</summary>
    private bool ValidationAccuracyAlone =>
        Objectives is [{ Maximize: true, Reference: null } only] && only.Metric == Metric.ValidationAccuracy;

    /// <summary>
    /// Whether early stopping ranks a rung's trials by validation accuracy alone (the default, with or without
    /// constraints known before training); else by <see cref="RankAt"/>.
    /// </summary>
    public bool RanksByValidationAccuracy => ValidationAccuracyAlone && OnResults.Count == 0;

    /// <summary>Constraints the config alone decides: the configurations they refuse are never trained.</summary>
    public IReadOnlyList<ConstraintSpec> BeforeTraining { get; } =
        constraints.Where(c => c.KnownBeforeTraining).ToArray();

    /// <summary>Constraints on results: a trial that breaks one is infeasible.</summary>
    public IReadOnlyList<ConstraintSpec> OnResults { get; } = constraints.Where(c => !c.KnownBeforeTraining).ToArray();

    /// <summary>Whether the config meets every constraint known before training.</summary>
    public bool Admits(TrainingConfig config) => BeforeTraining.All(c => c.Admits(config));

    /// <summary>The constraints known before training that the config breaks, as written.</summary>
    public IEnumerable<string> Refusing(TrainingConfig config) =>
        BeforeTraining.Where(c => !c.Admits(config)).Select(c => c.Text);

    /// <summary>What a search learns from a final trial: its losses and excesses; null when it has no value for one (failed).</summary>
    public Observation? Observe(double[] point, Trial trial)
    {
        var values = Objectives.Select(o => o.Metric.Of(trial)).ToArray();
        var excess = OnResults.Select(c => c.Excess(c.Value(trial))).ToArray();
        if (values.Any(v => !double.IsFinite(v)) || excess.Any(e => !double.IsFinite(e)))
            return null;
        return new Observation(point, Objectives.Select((o, k) => o.Loss(values[k])).ToArray(), excess);
    }

    /// <summary>
    /// What a search learns from a trial at a budget (early stopping: BOHB), its values after <paramref name="step"/>
    /// steps (a diverged trial's accuracies at chance); null when it has none there.
    /// </summary>
    public Observation? ObserveAt(double[] point, Trial trial, int step)
    {
        var values = Objectives.Select(o => o.Metric.At(trial, step)).ToArray();
        var excess = OnResults.Select(c => c.Excess(c.ValueAt(trial, step))).ToArray();
        if (values.Any(v => !double.IsFinite(v)) || excess.Any(e => !double.IsFinite(e)))
            return null;
        return new Observation(point, Objectives.Select((o, k) => o.Loss(values[k])).ToArray(), excess);
    }

    /// <summary>
    /// Trials at a rung in the order they go on, by their values after <paramref name="stepOf"/> steps: those that
    /// meet the constraints on results by non-dominated rank, within a rank by crowding distance, larger first
    /// (NSGA-II's order, which MO-ASHA promotes by; Schmucker et al. 2021), then those that break one by their
    /// summed excess; ties by trial id. Each trial must have every value there.
    /// </summary>
    public List<Trial> RankAt(IEnumerable<Trial> trials, Func<Trial, int> stepOf)
    {
        var all = trials
            .OrderBy(t => t.Id)
            .Select(t =>
                (
                    Trial: t,
                    Losses: (IReadOnlyList<double>)Objectives.Select(o => o.Loss(o.Metric.At(t, stepOf(t)))).ToArray(),
                    Excess: OnResults.Select(c => c.Excess(c.ValueAt(t, stepOf(t)))).Sum(e => Math.Max(0, e))
                )
            )
            .ToArray();
        var feasible = all.Where(x => x.Excess <= 0).ToArray();
        var losses = feasible.Select(x => x.Losses).ToArray();
        var ranks = Pareto.Ranks(losses);
        var crowding = new double[feasible.Length];
        foreach (var rank in ranks.Distinct())
            Crowding(Enumerable.Range(0, feasible.Length).Where(i => ranks[i] == rank).ToArray(), losses, crowding);
        return
        [
            .. Enumerable
                .Range(0, feasible.Length)
                .OrderBy(i => ranks[i])
                .ThenByDescending(i => crowding[i])
                .ThenBy(i => feasible[i].Trial.Id)
                .Select(i => feasible[i].Trial),
            .. all.Where(x => x.Excess > 0).OrderBy(x => x.Excess).ThenBy(x => x.Trial.Id).Select(x => x.Trial),
        ];
    }

    /// <summary>
    /// NSGA-II's crowding distance of each member of one rank: per objective, the gap between its neighbours over
    /// the rank's range, summed; the ends of every objective's order infinitely far.
    /// </summary>
    private static void Crowding(int[] members, IReadOnlyList<double>[] losses, double[] crowding)
    {
        for (var k = 0; k < losses.FirstOrDefault()?.Count; k++)
        {
            var order = members.OrderBy(i => losses[i][k]).ThenBy(i => i).ToArray();
            var range = losses[order[^1]][k] - losses[order[0]][k];
            (crowding[order[0]], crowding[order[^1]]) = (double.PositiveInfinity, double.PositiveInfinity);
            for (var j = 1; j + 1 < order.Length; j++)
                if (range > 0)
                    crowding[order[j]] += (losses[order[j + 1]][k] - losses[order[j - 1]][k]) / range;
        }
    }

    /// <summary>Whether the trial meets every constraint on results (false when one has no value).</summary>
    public bool Feasible(Trial trial) => OnResults.All(c => c.Excess(c.Value(trial)) <= 0);

    /// <summary>The reference point in losses when every objective has one before any result (a search aims at it); else null.</summary>
    public double[]? SearchReference =>
        Objectives.All(o => o.DefaultReference is not null)
            ? Objectives.Select(o => o.Loss(o.DefaultReference!.Value)).ToArray()
            : null;

    /// <summary>
    /// The front of the trials trained to their end (completed) that meet every constraint. The reference of an
    /// objective without one (<see cref="ObjectiveSpec.DefaultReference"/>) is the worst value among those trials
    /// plus a tenth of their range (in the searches' units), so every member adds to the hypervolume.
    /// </summary>
    public ParetoFront FrontOf(IEnumerable<Trial> trials)
    {
        var completed = trials
            .Where(t => t.Phase == TrialPhase.Completed)
            .Select(t => (Trial: t, Values: Objectives.Select(o => o.Metric.Of(t)).ToArray()))
            .Where(x => x.Values.All(double.IsFinite))
            .OrderBy(x => x.Trial.Id)
            .ToArray();
        var feasible = completed.Where(x => Feasible(x.Trial)).ToArray();
        var losses = feasible
            .Select(x => (IReadOnlyList<double>)Objectives.Select((o, k) => o.Loss(x.Values[k])).ToArray())
            .ToArray();
        var reference = Objectives
            .Select(
                (o, k) =>
                {
                    if (o.DefaultReference is { } stated)
                        return o.Loss(stated);
                    if (losses.Length == 0)
                        return double.NaN;
                    var (low, high) = (losses.Min(l => l[k]), losses.Max(l => l[k]));
                    return high + 0.1 * (high > low ? high - low : 1);
                }
            )
            .ToArray();
        var members = Pareto
            .Front(losses)
            .OrderBy(i => losses[i][0])
            .ThenBy(i => feasible[i].Trial.Id)
            .Select(i => feasible[i])
            .ToArray();
        return new ParetoFront(
            members,
            Objectives.Select((o, k) => o.DefaultReference ?? FromLoss(o, reference[k])).ToArray(),
            losses.Length == 0
                ? 0
                : Pareto.Hypervolume(members.Select(m => losses[Array.IndexOf(feasible, m)]).ToArray(), reference),
            feasible.Length,
            completed.Length - feasible.Length
        );
    }

    /// <summary>The metric's value whose loss is <paramref name="loss"/> (the inverse of <see cref="ObjectiveSpec.Loss"/>).</summary>
    private static double FromLoss(ObjectiveSpec objective, double loss) =>
        objective.Metric.IsCount ? Math.Pow(10, objective.Maximize ? -loss : loss)
        : objective.Maximize ? 1 - loss
        : loss;

    /// <summary>
    /// Reads sweep.objectives and sweep.constraints; refused naming the key: an unknown metric or goal, a metric
    /// twice, an empty list, test-accuracy without sweep.test-accuracy = true, a constraint that does not parse;
    /// under early stopping (<paramref name="stopping"/>: the names of the policies that stop trials early), a
    /// metric not known at a rung (seconds: machine-dependent, where promotions must be reproducible;
    /// test-accuracy: measured only at the end), and more than validation accuracy under a policy that compares
    /// one number (median, threshold).
    /// </summary>
    public static TradeOffs Read(
        IReadOnlyDictionary<string, HoconValue> sweep,
        string source,
        bool testAccuracy,
        IReadOnlyCollection<string> stopping
    )
    {
        var stopsEarly = stopping.Count > 0;
        var objectives = sweep.TryGetValue("objectives", out var o) ? ReadObjectives(o, source) : Default.Objectives;
        var constraints = sweep.TryGetValue("constraints", out var c) ? ReadConstraints(c, source) : [];
        var uses = objectives
            .Select((x, i) => (Metric: x.Metric, Where: $"sweep.objectives[{i}].metric"))
            .Concat(
                constraints.SelectMany((x, i) => x.Metrics.Select(m => (Metric: m, Where: $"sweep.constraints[{i}]")))
            );
        foreach (var (metric, where) in uses)
        {
            if (metric == Metric.TestAccuracy && !testAccuracy)
                throw new ConfigException(
                    $"{source}: {where}: test-accuracy is measured only with sweep.test-accuracy = true; set it, or use validation-accuracy"
                );
            if (metric == Metric.Seconds && stopsEarly)
                throw new ConfigException(
                    $"{source}: {where}: seconds depend on the machine, and early stopping promotes by the objectives: "
                        + "its decisions would differ from run to run; use training-flops (the same on every machine), or schedule grid"
                );
            if (metric == Metric.TestAccuracy && stopsEarly)
                throw new ConfigException(
                    $"{source}: {where}: test accuracy is measured at a trial's end, and early stopping decides at budgets "
                        + "before it; use validation-accuracy, or schedule grid"
                );
        }
        var tradeOffs = new TradeOffs(objectives, constraints);
        if (
            !tradeOffs.RanksByValidationAccuracy
            && stopping.FirstOrDefault(p => p is not ("successive-halving" or "hyperband")) is { } policy
        )
            throw new ConfigException(
                $"{source}: sweep.objectives: policy {policy} compares validation accuracy alone; under other or several "
                    + "objectives, or constraints on results, use successive-halving or hyperband (they promote by "
                    + "non-dominated rank), or schedule grid"
            );
        return tradeOffs;
    }

    private static IReadOnlyList<ObjectiveSpec> ReadObjectives(HoconValue value, string source)
    {
        const string where = "sweep.objectives";
        if (!value.IsArray() || value.GetArray().Count == 0)
            throw new ConfigException(
                $"{source}: {where}: expected a list of one or more {{ metric = ..., goal = max or min }}; "
                    + $"metrics: {string.Join(", ", Metric.All.Select(m => m.Name))}"
            );
        var objectives = new List<ObjectiveSpec>();
        foreach (var (item, i) in value.GetArray().Select((v, i) => (v, i)))
        {
            var at = $"{where}[{i}]";
            if (!item.IsObject())
                throw new ConfigException($"{source}: {at}: expected {{ metric = ..., goal = max or min }}");
            var items = item.GetObject().Items;
            foreach (var key in items.Keys.Where(k => !ObjectiveKeys.Contains(k)))
                throw new ConfigException(
                    $"{source}: {at}.{key}: unknown key; allowed: {string.Join(", ", ObjectiveKeys)}"
                );
            var name = items.TryGetValue("metric", out var m) ? HoconText.Scalar(m) : "";
            var metric = Metric.Named(name)
                ?? throw new ConfigException(
                    $"{source}: {at}.metric: '{ConfigException.Excerpt(name)}' is not a metric; "
                        + $"expected {string.Join(", ", Metric.All.Select(x => x.Name))}"
                );
            if (objectives.FindIndex(x => x.Metric == metric) is var earlier and >= 0)
                throw new ConfigException(
                    $"{source}: {at}.metric: {metric.Name} is already objective {earlier} ({where}[{earlier}]); name each metric once"
                );
            var goal = items.TryGetValue("goal", out var g) ? HoconText.Scalar(g) : "";
            if (goal is not ("max" or "min"))
                throw new ConfigException(
                    $"{source}: {at}.goal: '{ConfigException.Excerpt(goal)}' is not a goal; expected max or min"
                );
            double? reference = items.TryGetValue("reference", out var r)
                ? ValueForms.Number(r, $"{source}: {at}.reference")
                : null;
            if (reference <= 0 && metric.IsCount)
                throw new ConfigException(
                    $"{source}: {at}.reference: {metric.Name} is positive; expected a reference above 0"
                );
            objectives.Add(new ObjectiveSpec(metric, goal == "max", reference));
        }
        return objectives;
    }

    private static IReadOnlyList<ConstraintSpec> ReadConstraints(HoconValue value, string source)
    {
        const string where = "sweep.constraints";
        if (!value.IsArray())
            throw new ConfigException(
                $"{source}: {where}: expected a list of bounds, e.g. [ \"parameters <= 60000\", \"train-accuracy - validation-accuracy <= 0.08\" ]"
            );
        return value
            .GetArray()
            .Select(
                (item, i) =>
                    item.IsArray() || item.IsObject()
                        ? throw new ConfigException(
                            $"{source}: {where}[{i}]: expected a quoted bound, e.g. \"parameters <= 60000\""
                        )
                        : ConstraintSpec.Parse(HoconText.Scalar(item), $"{source}: {where}[{i}]")
            )
            .ToArray();
    }
}
