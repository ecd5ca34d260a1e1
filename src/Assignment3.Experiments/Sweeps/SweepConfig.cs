using System.Globalization;
using Akka.Configuration.Hocon;
using Assignment3.Experiments.Configuration;
using Assignment3.Experiments.Objectives;
using Assignment3.Experiments.Scheduling;
using Assignment3.Experiments.Search;

namespace Assignment3.Experiments.Sweeps;

/// <summary>How a stage's results are pivoted: rows and columns are parameter keys, the cell a metric.</summary>
public sealed record TableSpec(string Rows, string? Columns, string Cell)
{
    public static readonly string[] Metrics =
    [
        "validation-accuracy",
        "test-accuracy",
        "train-accuracy",
        "seconds",
        "parameters",
        "training-flops",
    ];
}

/// <summary>A refined parameter: count values spanning <see cref="Span"/> (log10 units for log parameters) around each top trial's value.</summary>
public sealed record RefineSpec(Parameter Parameter, int Count, double Span);

/// <summary>
/// Where a trial's mini-batch order comes from: the sweep's seed and the trial's replicate (shared: every
/// configuration sees the same batches, so their differences are less noisy and trials can train
/// together in groups), or the trial's own seed (per-trial).
/// </summary>
public enum DataOrder
{
    Shared,
    PerTrial,
}

/// <summary>
/// A coarse-to-fine stage: the top trials of stage <see cref="From"/>, refined, with its own recipe
/// overrides and schedule. From a stage with early stopping, the top are those that got furthest, best first.
/// </summary>
public sealed record StageSpec(
    string Name,
    string From,
    int Top,
    IReadOnlyList<RefineSpec> Refine,
    IReadOnlyList<ParameterValues> Recipe,
    ScheduleSpec Schedule
);

/// <summary>
/// A sweep config: an experiment config (whose parameters may be lists or ranges) plus a sweep
/// section. The experiment's runs form the first stage, named "coarse"; later stages refine.
/// <code>
/// sweep {
///   seed = 1
///   table { rows = lambda, columns = batch-norm, cell = validation-accuracy }
///   test-accuracy = false
///   trial-timeout = 1800   # seconds without progress before a trial is handed to another worker
///   max-attempts = 3
///   max-trials = 10000     # a larger first stage is refused unless raised
///   checkpoint-every = 0   # steps between a running trial's checkpoints (0: at every recording point)
///   replicates = 1         # seeds per configuration; tables, refinement and "best" use their mean
///   data-order = shared    # mini-batch order from the sweep's seed and replicate (per-trial: each trial's seed)
///   group-size = auto      # trials a slot trains together on the same mini-batches (1: one at a time)
///   objectives = [ { metric = validation-accuracy, goal = max }, { metric = parameters, goal = min } ]   # see TradeOffs
///   constraints = [ "parameters &lt;= 60000" ]
///   schedule { policy = successive-halving, eta = 3, min-budget = 1 }   # the first stage's; grid when absent
///   stages = [
///     {
///       name = fine, from = coarse, top = 2
///       refine { lambda { count = 4, span = 0.6 } }
///       training { cycles = 3 }
///       schedule { policy = grid }
///     }
///   ]
/// }
/// </code>
/// </summary>
public sealed record SweepConfig(
    ExperimentConfig Experiment,
    int Seed,
    TableSpec Table,
    IReadOnlyList<StageSpec> Stages,
    bool TestAccuracy,
    double TrialTimeoutSeconds,
    int MaxAttempts,
    int MaxTrials,
    string Text,
    ScheduleSpec Schedule,
    int CheckpointEvery,
    int Replicates = 1,
    SearchSpec? Search = null,
    DataOrder DataOrder = DataOrder.Shared,
    int? GroupSize = null
)
{
    /// <summary>What the sweep optimizes and bounds (sweep.objectives, sweep.constraints): validation accuracy alone by default.</summary>
    public TradeOffs TradeOffs { get; init; } = TradeOffs.Default;

    /// <summary>The largest sweep.group-size: beyond a few the stacked first layers outgrow the caches and nothing is gained.</summary>
    public const int MaxGroupSize = 64;

    /// <summary>The largest sweep.replicates: seeds beyond a few dozen say little more about the noise.</summary>
    public const int MaxReplicates = 100;

    public const string FirstStage = "coarse";
    public const int DefaultMaxTrials = 10_000;
    private static readonly string[] SweepKeys =
    [
        "seed",
        "table",
        "test-accuracy",
        "trial-timeout",
        "max-attempts",
        "max-trials",
        "stages",
        "schedule",
        "checkpoint-every",
        "replicates",
        "search",
        "data-order",
        "group-size",
        "objectives",
        "constraints",
    ];

    /// <summary>The schedule of stage <paramref name="index"/> (0: the first).</summary>
    public ScheduleSpec ScheduleOf(int index) => index == 0 ? Schedule : Stages[index - 1].Schedule;

    public IReadOnlyList<string> StageNames => [FirstStage, .. Stages.Select(s => s.Name)];

    public static SweepConfig Load(string file)
    {
        if (!File.Exists(file))
            throw new ConfigException($"{file}: config file not found");
        return Parse(File.ReadAllText(file), file);
    }

    public static SweepConfig Parse(string text, string source)
    {
        var root = ExperimentConfig.RootObject(text, source);
        var sweep = root.TryGetValue("sweep", out var s)
            ? s.IsObject()
                ? s.GetObject().Items
                : throw new ConfigException($"{source}: sweep: expected an object {{ ... }}")
            : new Dictionary<string, HoconValue>();
        foreach (var key in sweep.Keys.Where(k => !SweepKeys.Contains(k)))
            throw new ConfigException(
                $"{source}: sweep.{key}: unknown key; allowed in sweep: {string.Join(", ", SweepKeys)}"
            );

        var seed = Whole(sweep, "seed", 1, 0, source);
        var experiment = ExperimentConfig.FromRoot(root, source, ["sweep"], seed);
        var schedule = ScheduleSpec.Read(sweep.GetValueOrDefault("schedule"), source, "sweep.schedule");
        var search = sweep.TryGetValue("search", out var searchValue)
            ? SearchSpec.Read(searchValue, experiment, source, schedule.StopsEarly)
            : null;
        var stages = ReadStages(sweep.GetValueOrDefault("stages"), source, seed);
        var testAccuracy = sweep.TryGetValue("test-accuracy", out var t) && Bool(t, "sweep.test-accuracy", source);
        var tradeOffs = TradeOffs.Read(
            sweep,
            source,
            testAccuracy,
            stages
                .Select(st => st.Schedule)
                .Prepend(schedule)
                .Where(s => s.StopsEarly)
                .Select(s => s.Name)
                .Distinct()
                .ToArray()
        );
        if (search is not null && !tradeOffs.IsDefault)
            search = Constrained(search, tradeOffs, seed, source);
        var varying = search?.Space.Dimensions.Select(d => (d.Parameter ?? Parameter.Hidden).Key).Distinct().ToArray()
            ?? experiment.Parameters.Where(p => p.Values.Count > 1).Select(p => p.Parameter.Key).ToArray();
        var table = ReadTable(sweep.GetValueOrDefault("table"), varying, source);
        var timeout = sweep.TryGetValue("trial-timeout", out var timeoutValue)
            ? Positive(timeoutValue, "sweep.trial-timeout", source)
            : 1800;
        var attempts = Whole(sweep, "max-attempts", 3, 1, source);
        var maxTrials = Whole(sweep, "max-trials", DefaultMaxTrials, 1, source);
        var replicates = Whole(sweep, "replicates", 1, 1, source);
        if (replicates > MaxReplicates)
            throw new ConfigException($"{source}: sweep.replicates: {replicates} is too many; at most {MaxReplicates}");
        if (experiment.VariantCount * replicates > maxTrials)
            throw new ConfigException(
                $"{source}: the first stage has {experiment.VariantCount * replicates:N0} trials, more than sweep.max-trials = {maxTrials:N0}; "
                    + "narrow the ranges, or raise sweep.max-trials if you mean it"
            );
        schedule.Check(
            experiment
                .Parameters.Where(p => p.Parameter == Parameter.Cycles)
                .SelectMany(p => p.Values)
                .Select(v => (int)v)
                .DefaultIfEmpty(new Core.Training.TrainingConfig().Cycles),
            source,
            "sweep.schedule"
        );
        var checkpointEvery = Whole(sweep, "checkpoint-every", 0, 0, source);
        if (search is not null)
            CheckSearch(search, schedule, replicates, maxTrials, source);
        var dataOrder = ReadDataOrder(sweep.GetValueOrDefault("data-order"), source);
        var groupSize = ReadGroupSize(sweep.GetValueOrDefault("group-size"), source);
        if (search is null && tradeOffs.BeforeTraining.Count > 0)
            CheckGridMeets(experiment, tradeOffs, source);
        return new SweepConfig(
            experiment,
            seed,
            table,
            stages,
            testAccuracy,
            timeout,
            attempts,
            maxTrials,
            text,
            schedule,
            checkpointEvery,
            replicates,
            search,
            dataOrder,
            groupSize
        )
        {
            TradeOffs = tradeOffs,
        };
    }

    /// <summary>
    /// The search under the sweep's trade-offs: only points meeting the constraints known before training, the
    /// reference point it aims at. Refused when no point meets them (among the enqueued, or 10,000 seeded draws),
    /// or when it warm-starts (earlier searches' results carry one number).
    /// </summary>
    private static SearchSpec Constrained(SearchSpec search, TradeOffs tradeOffs, int seed, string source)
    {
        if (search.WarmStart is { Count: > 0 })
            throw new ConfigException(
                $"{source}: sweep.search.warm-start: earlier searches carry one number per trial; "
                    + "warm starts under sweep.objectives or sweep.constraints are not supported yet"
            );
        var space = tradeOffs.BeforeTraining.Count == 0 ? search.Space : search.Space.Admitting(tradeOffs.Admits);
        for (var i = 0; i < search.Enqueued.Count; i++)
            if (!space.Allows(search.Enqueued[i]))
                throw new ConfigException(
                    $"{source}: sweep.search.enqueue[{i}]: breaks {string.Join(" and ", tradeOffs.Refusing(search.Space.Apply(search.Enqueued[i]).VariantAt(0).Config))} (sweep.constraints)"
                );
        if (tradeOffs.BeforeTraining.Count > 0)
        {
            var random = new Core.Randomness.Xoshiro256StarStar(
                (ulong)Core.Randomness.Xoshiro256StarStar.StableSeed(seed, "constraints|feasible space")
            );
            if (!Enumerable.Range(0, 10_000).Any(_ => space.Allows(search.Space.Sample(random))))
                throw new ConfigException(
                    $"{source}: sweep.constraints: no point of sweep.search.space meets "
                        + $"{string.Join(" and ", tradeOffs.BeforeTraining.Select(c => $"\"{c.Text}\""))} (none of 10,000 drawn); "
                        + "loosen the bound or change the space"
                );
        }
        return search with { Space = space, Reference = tradeOffs.SearchReference };
    }

    /// <summary>Refused when no configuration of the grid meets the constraints known before training: nothing would train.</summary>
    private static void CheckGridMeets(ExperimentConfig experiment, TradeOffs tradeOffs, string source)
    {
        for (var i = 0L; i < experiment.VariantCount; i++)
            if (tradeOffs.Admits(experiment.VariantAt(i).Config))
                return;
        throw new ConfigException(
            $"{source}: sweep.constraints: none of the {experiment.VariantCount:N0} configurations meets "
                + $"{string.Join(" and ", tradeOffs.BeforeTraining.Select(c => $"\"{c.Text}\""))}; loosen the bound or change the grid"
        );
    }

    /// <summary>
    /// The config, to run as a sweep: refused when it sets what a3 train may take from it but a sweep
    /// decides itself (training.data-order-seed: each trial's order comes from sweep.data-order).
    /// </summary>
    public SweepConfig ToSweep()
    {
        var orderSeed = Parameter.DataOrderSeed;
        if (
            Experiment.Parameters.Any(p => p.Parameter == orderSeed)
            || Stages.Any(st => st.Recipe.Any(p => p.Parameter == orderSeed))
        )
            throw new ConfigException(
                $"{Experiment.Source}: training.data-order-seed: a sweep sets each trial's mini-batch order itself "
                    + "(sweep.data-order = shared or per-trial); leave it out (a3 train takes it)"
            );
        return this;
    }

    private static DataOrder ReadDataOrder(HoconValue? value, string source) =>
        value is null
            ? DataOrder.Shared
            : (value.IsArray() || value.IsObject() ? null : value.GetString()?.Trim()) switch
            {
                "shared" => DataOrder.Shared,
                "per-trial" => DataOrder.PerTrial,
                var text => throw new ConfigException(
                    $"{source}: sweep.data-order: '{ConfigException.Excerpt(text ?? "")}' is not allowed; expected shared "
                        + "(mini-batch order from the sweep's seed and the replicate) or per-trial (from each trial's seed)"
                ),
            };

    /// <summary>sweep.group-size: auto (null) or a whole number from 1 to <see cref="MaxGroupSize"/>.</summary>
    private static int? ReadGroupSize(HoconValue? value, string source)
    {
        if (value is null)
            return null;
        var text = value.IsArray() || value.IsObject() ? "" : value.GetString()?.Trim() ?? "";
        if (text == "auto")
            return null;
        if (
            !int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var size)
            || size < 1
            || size > MaxGroupSize
        )
            throw new ConfigException(
                $"{source}: sweep.group-size: '{ConfigException.Excerpt(text)}' is not allowed; expected auto "
                    + $"(as many as keep the slots busy, up to what is fastest on each worker's core) or a whole number from 1 to {MaxGroupSize}"
            );
        return size;
    }

    private static void CheckSearch(
        SearchSpec search,
        ScheduleSpec schedule,
        int replicates,
        int maxTrials,
        string source
    )
    {
        if (replicates > 1)
            throw new ConfigException(
                $"{source}: sweep.replicates: a search stage proposes each point once; drop replicates, or search with a fixed training.seed"
            );
        if (search.Trials > maxTrials)
            throw new ConfigException(
                $"{source}: sweep.search.trials: {search.Trials:N0} is more than sweep.max-trials = {maxTrials:N0}; raise sweep.max-trials if you mean it"
            );
        if (schedule.StopsEarly && search.Space.Dimensions.Any(d => d.Parameter == Parameter.Cycles))
            throw new ConfigException(
                $"{source}: sweep.search.space.cycles: under {schedule.Name} the cycles are the largest budget; "
                    + "give training.cycles one value, or search without early stopping"
            );
    }

    /// <param name="varying">The keys that vary over the first stage's trials, in order: the default rows and columns.</param>
    private static TableSpec ReadTable(HoconValue? value, IReadOnlyList<string> varying, string source)
    {
        if (value is null)
            return new TableSpec(
                varying.FirstOrDefault() ?? Parameter.Lambda.Key,
                varying.Skip(1).FirstOrDefault(),
                "validation-accuracy"
            );
        if (!value.IsObject())
            throw new ConfigException($"{source}: sweep.table: expected {{ rows = ..., columns = ..., cell = ... }}");
        var items = value.GetObject().Items;
        foreach (var key in items.Keys.Where(k => k is not ("rows" or "columns" or "cell")))
            throw new ConfigException($"{source}: sweep.table.{key}: unknown key; allowed: rows, columns, cell");
        string? Key(string name)
        {
            if (!items.TryGetValue(name, out var v))
                return null;
            var text = v.GetString()?.Trim();
            return Parameter.All.Any(p => p.Key == text)
                ? text
                : throw new ConfigException(
                    $"{source}: sweep.table.{name}: '{text}' is not a parameter; allowed: {string.Join(", ", Parameter.All.Select(p => p.Key))}"
                );
        }
        var rows = Key("rows")
            ?? throw new ConfigException(
                $"{source}: sweep.table.rows: missing; name the parameter of the rows, e.g. lambda"
            );
        var cell = items.TryGetValue("cell", out var c) ? c.GetString()?.Trim() ?? "" : "validation-accuracy";
        if (!TableSpec.Metrics.Contains(cell))
            throw new ConfigException(
                $"{source}: sweep.table.cell: '{cell}' is not allowed; expected {string.Join(", ", TableSpec.Metrics)}"
            );
        return new TableSpec(rows, Key("columns"), cell);
    }

    private static IReadOnlyList<StageSpec> ReadStages(HoconValue? value, string source, int seed)
    {
        if (value is null)
            return [];
        if (!value.IsArray())
            throw new ConfigException(
                $"{source}: sweep.stages: expected a list of stages [ {{ name = ..., from = ..., top = ..., refine {{ ... }} }} ]"
            );
        var stages = new List<StageSpec>();
        var known = new List<string> { FirstStage };
        foreach (var (item, i) in value.GetArray().Select((v, i) => (v, i)))
        {
            var where = $"sweep.stages[{i}]";
            if (!item.IsObject())
                throw new ConfigException($"{source}: {where}: expected an object");
            var items = item.GetObject().Items;
            foreach (
                var key in items.Keys.Where(k =>
                    k is not ("name" or "from" or "top" or "refine" or "network" or "training" or "schedule")
                )
            )
                throw new ConfigException(
                    $"{source}: {where}.{key}: unknown key; allowed: name, from, top, refine, network, training, schedule"
                );
            var name = items.TryGetValue("name", out var n) ? n.GetString()?.Trim() ?? "" : $"stage-{i + 2}";
            if (
                name.Length == 0
                || known.Contains(name)
                || name.Any(ch => !char.IsLetterOrDigit(ch) && ch is not ('-' or '_'))
            )
                throw new ConfigException(
                    $"{source}: {where}.name: '{name}' must be a new name of letters, digits, - and _"
                );
            var from = items.TryGetValue("from", out var f) ? f.GetString()?.Trim() ?? "" : known[^1];
            if (!known.Contains(from))
                throw new ConfigException(
                    $"{source}: {where}.from: '{from}' is not an earlier stage; earlier stages: {string.Join(", ", known)}"
                );
            var top = Whole(items, "top", 1, 1, source, where);
            var refine = new List<RefineSpec>();
            if (items.TryGetValue("refine", out var r))
            {
                if (!r.IsObject())
                    throw new ConfigException(
                        $"{source}: {where}.refine: expected {{ parameter {{ count = n, span = s }} }}"
                    );
                foreach (var (key, spec) in r.GetObject().Items)
                {
                    var parameter = Parameter.All.FirstOrDefault(p => p.Key == key && p.IsNumeric)
                        ?? throw new ConfigException(
                            $"{source}: {where}.refine.{key}: not a numeric parameter; "
                                + $"allowed: {string.Join(", ", Parameter.All.Where(p => p.IsNumeric).Select(p => p.Key))}"
                        );
                    if (!spec.IsObject())
                        throw new ConfigException(
                            $"{source}: {where}.refine.{key}: expected {{ count = n, span = s }}"
                        );
                    var specItems = spec.GetObject().Items;
                    foreach (var k in specItems.Keys.Where(k => k is not ("count" or "span")))
                        throw new ConfigException(
                            $"{source}: {where}.refine.{key}.{k}: unknown key; allowed: count, span"
                        );
                    var count = Whole(specItems, "count", 3, 1, source, $"{where}.refine.{key}");
                    var span = specItems.TryGetValue("span", out var sp)
                        ? Positive(sp, $"{where}.refine.{key}.span", source)
                        : 1.0;
                    if (span > parameter.MaxRefineSpan)
                        throw new ConfigException(
                            $"{source}: {where}.refine.{key}.span: {span.ToString("G6", CultureInfo.InvariantCulture)} "
                                + $"is too wide; at most "
                                + $"{parameter.MaxRefineSpan.ToString("G6", CultureInfo.InvariantCulture)}{(parameter.LogScale ? " (decades in log10)" : "")}"
                        );
                    refine.Add(new RefineSpec(parameter, count, span));
                }
            }
            var recipe = ExperimentConfig.ReadParameters(items, source, $"{where}.", seed);
            var schedule = ScheduleSpec.Read(items.GetValueOrDefault("schedule"), source, $"{where}.schedule");
            schedule.Check(
                recipe.Where(p => p.Parameter == Parameter.Cycles).SelectMany(p => p.Values).Select(v => (int)v),
                source,
                $"{where}.schedule"
            );
            stages.Add(new StageSpec(name, from, top, refine, recipe, schedule));
            known.Add(name);
        }
        return stages;
    }

    private static int Whole(
        IReadOnlyDictionary<string, HoconValue> items,
        string key,
        int fallback,
        int minimum,
        string source,
        string prefix = "sweep"
    ) =>
        items.TryGetValue(key, out var value) ? HoconText.Whole(value, $"{source}: {prefix}.{key}", minimum) : fallback;

    private static double Positive(HoconValue value, string where, string source)
    {
        var text = value.IsArray() || value.IsObject() ? "" : value.GetString()?.Trim();
        return
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            && v > 0
            && double.IsFinite(v)
            ? v
            : throw new ConfigException($"{source}: {where}: '{text}' is not allowed; expected a positive number");
    }

    private static bool Bool(HoconValue value, string where, string source) =>
        (value.GetString()?.Trim()) switch
        {
            "true" or "on" or "yes" => true,
            "false" or "off" or "no" => false,
            var text => throw new ConfigException(
                $"{source}: {where}: '{text}' is not allowed; expected true or false"
            ),
        };
}
