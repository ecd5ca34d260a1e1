using System.Globalization;
using Assignment3.Core.Training;
using Assignment3.Experiments.Objectives;
using Assignment3.Experiments.Sweeps;
using Assignment3.Experiments.Text;

namespace Assignment3.Storage;

/// <summary>
/// One row of trials.csv. Accuracies and seconds are null until the trial has a result (a pause
/// counts: the figures at its budget so far). <see cref="Budget"/> is the cycles it trained,
/// <see cref="Rung"/> the rung it reached (stages with early stopping), <see cref="Bracket"/> its
/// Hyperband bracket, <see cref="OrderSeed"/> the seed of its mini-batch order, <see cref="Group"/> the
/// first trial of the group its last hand-out trained in (the trial itself when alone). Under
/// sweep.objectives or sweep.constraints: <see cref="NetworkParameters"/> and <see cref="TrainingFlops"/> (from
/// the config), and <see cref="Feasible"/> (whether a final trial meets the constraints on results).
/// </summary>
public sealed record TrialRow(
    int Trial,
    string Stage,
    IReadOnlyList<(string Key, string Value)> Parameters,
    int Seed,
    TrialPhase Status,
    double? ValidationAccuracy,
    double? TestAccuracy,
    double? TrainAccuracy,
    double? FinalCost,
    int? DivergedAtStep,
    double? Seconds,
    string Node,
    int Attempts,
    string? Error,
    double? Budget = null,
    int? Rung = null,
    int? Bracket = null,
    int? OrderSeed = null,
    int? Group = null,
    double? NetworkParameters = null,
    double? TrainingFlops = null,
    bool? Feasible = null
)
{
    /// <summary>Trained to its last step (not stopped early, not waiting at a rung).</summary>
    public bool FullBudget =>
        Status is TrialPhase.Completed or TrialPhase.Diverged or TrialPhase.Failed or TrialPhase.Queued;
}

/// <summary>
/// What a sweep leaves on disk, rewritten as results arrive: trials.csv, one pivot table per stage
/// (table-STAGE.md and .csv), curves/trial-N.csv, summary.json, and at the end the curves of every
/// stage plotted together (plots/STAGE-*.png).
/// </summary>
public static class SweepFolder
{
    /// <summary>Stages up to this many trials list their queued trials too; larger ones only those handed out.</summary>
    public const int MaxListedQueued = 10_000;

    /// <summary>trials.csv's rows: every trial handed out, and the queued ones of stages small enough to list.</summary>
    public static IReadOnlyList<TrialRow> Rows(SweepState state)
    {
        var rows = new List<TrialRow>();
        foreach (var stage in state.Stages)
        {
            var early = stage.Schedule.StopsEarly;
            if (stage.Plan.Count <= MaxListedQueued)
                rows.AddRange(
                    stage
                        .Plan.Trials()
                        .Select(planned =>
                            state.Find(planned.Id) is { } trial
                                ? Row(trial, stage, early, state.Config.TradeOffs)
                                : Queued(planned, state.Config.TradeOffs)
                        )
                );
            else
                rows.AddRange(
                    state
                        .Trials.Where(t => stage.Plan.Contains(t.Id))
                        .Select(t => Row(t, stage, early, state.Config.TradeOffs))
                );
        }
        return rows;
    }

    /// <summary>The rung tables of the stages that stop trials early: stage, policy, and where each decision point stands.</summary>
    public static IReadOnlyList<(
        string Stage,
        string Policy,
        IReadOnlyList<Experiments.Scheduling.RungRow> Rungs
    )> RungTables(SweepState state) =>
        state
            .Stages.Where(s => s.Schedule.StopsEarly)
            .Select(s => (s.Name, s.Schedule.ToString(), s.Policy.Rungs(s, state)))
            .ToArray();

    private static TrialRow Queued(PlannedTrial planned, TradeOffs tradeOffs) =>
        new(
            planned.Id,
            planned.Stage,
            planned.Parameters,
            planned.Config.Seed,
            TrialPhase.Queued,
            null,
            null,
            null,
            null,
            null,
            null,
            "",
            0,
            null,
            OrderSeed: planned.Config.OrderSeed,
            NetworkParameters: tradeOffs.IsDefault ? null : Metric.ParametersOf(planned.Config),
            TrainingFlops: tradeOffs.IsDefault ? null : Metric.TrainingFlopsOf(planned.Config)
        );

    private static TrialRow Row(Trial trial, StageState stage, bool early, TradeOffs tradeOffs)
    {
        var o = trial.Outcome ?? trial.PausedOutcome;
        double? Finite(double? v) => v is { } d && double.IsFinite(d) ? d : null;
        var config = trial.Plan.Config;
        double? budget =
            early && trial.StepReached > 0 ? Math.Round((double)trial.StepReached / config.StepsPerCycle, 3) : null;
        return new TrialRow(
            trial.Id,
            trial.Plan.Stage,
            trial.Plan.Parameters,
            config.Seed,
            trial.Phase,
            Finite(o?.ValidationAccuracy),
            Finite(o?.TestAccuracy),
            Finite(o?.TrainAccuracy),
            o?.FinalCost,
            o?.DivergedAtStep,
            o is null ? null : Math.Round(trial.Outcome is null ? trial.Seconds : o.Seconds, 3),
            trial.Node,
            trial.CountedAttempts,
            o?.Error,
            budget,
            early ? trial.Rung : null,
            stage.Policy.BracketOf(trial.Id),
            config.OrderSeed,
            trial.Group > 0 ? trial.Group : null,
            tradeOffs.IsDefault ? null : Metric.ParametersOf(config),
            tradeOffs.IsDefault ? null : Metric.TrainingFlopsOf(config),
            tradeOffs.OnResults.Count > 0 && trial.IsFinal && trial.Phase != TrialPhase.Failed
                ? tradeOffs.Feasible(trial)
                : null
        );
    }

    public static void WriteTrials(string folder, IReadOnlyList<TrialRow> rows, bool testAccuracy)
    {
        var keys = rows.SelectMany(r => r.Parameters.Select(p => p.Key)).Distinct().ToArray();
        // Budget and rung columns only where a stage stops trials early; bracket only with Hyperband.
        var early = rows.Any(r => r.Rung is not null);
        var brackets = rows.Any(r => r.Bracket is not null);
        var costs = rows.Any(r => r.NetworkParameters is not null);
        var feasible = rows.Any(r => r.Feasible is not null);
        string[] header =
        [
            "trial",
            "stage",
            .. keys,
            "seed",
            "dataOrderSeed",
            "status",
            "validationAccuracy",
            .. testAccuracy ? new[] { "testAccuracy" } : [],
            "trainAccuracy",
            "finalCost",
            "divergedAtStep",
            .. early ? new[] { "budgetCycles", "rung" } : [],
            .. brackets ? new[] { "bracket" } : [],
            .. costs ? new[] { "parameters", "trainingFlops" } : [],
            .. feasible ? new[] { "feasible" } : [],
            "seconds",
            "group",
            "node",
            "attempts",
            "error",
        ];
        Csv.Write(
            Path.Combine(folder, "trials.csv"),
            header,
            rows.Select(r =>
                (IEnumerable<object?>)
                    [
                        r.Trial,
                        r.Stage,
                        .. keys.Select(k => (object?)r.Parameters.FirstOrDefault(p => p.Key == k).Value),
                        r.Seed,
                        r.OrderSeed,
                        r.Status.Text(),
                        r.ValidationAccuracy,
                        .. testAccuracy ? new object?[] { r.TestAccuracy } : [],
                        r.TrainAccuracy,
                        r.FinalCost,
                        r.DivergedAtStep,
                        .. early ? new object?[] { r.Budget, r.Rung } : [],
                        .. brackets ? new object?[] { r.Bracket } : [],
                        .. costs ? new object?[] { r.NetworkParameters, r.TrainingFlops } : [],
                        .. feasible ? new object?[] { r.Feasible is { } f ? (f ? "true" : "false") : null } : [],
                        r.Seconds,
                        r.Group,
                        r.Node,
                        r.Attempts,
                        r.Error,
                    ]
            )
        );
    }

    /// <summary>
    /// A stage's pivot: one row per value of <paramref name="rowKey"/>, one column per value of
    /// <paramref name="columnKey"/> (in the order trials were planned), each cell the best value of
    /// the metric among the configurations that match, as the mean ± sd (n=...) of its replicates when
    /// it has several (3 significant digits); a cell whose trials all diverged or failed
    /// says so, and one with nothing recorded yet is blank. A value short of the full budget says so:
    /// "(stopped at 1 cycle)" for a trial stopped early, "(3 cycles so far)" for one still going.
    /// With <paramref name="exact"/>, numbers and labels keep full precision (the CSV), else they are
    /// <see cref="Readable"/> (Markdown, the report).
    /// </summary>
    public static (string[] Header, string[][] Rows) Pivot(
        IReadOnlyList<TrialRow> rows,
        string rowKey,
        string? columnKey,
        string cell,
        bool exact = false
    )
    {
        Func<double, string> number = exact ? v => v.ToString("R", CultureInfo.InvariantCulture) : Readable.Number;
        Func<string, string> label = exact ? v => v : Readable.Value;
        string Value(TrialRow r, string key) => r.Parameters.FirstOrDefault(p => p.Key == key).Value ?? "";
        var rowValues = rows.Select(r => Value(r, rowKey)).Distinct().ToArray();
        var columnValues = columnKey is null ? [""] : rows.Select(r => Value(r, columnKey)).Distinct().ToArray();
        // The best configuration per (row, column) by its mean over replicates (one trial each without them).
        var best = new Dictionary<(string Row, string Column), Configuration>();
        var ended = new Dictionary<(string Row, string Column), string>();
        foreach (var r in rows.Where(r => r.Status is TrialPhase.Diverged or TrialPhase.Failed))
            ended.TryAdd((Value(r, rowKey), columnKey is null ? "" : Value(r, columnKey)), r.Status.Text());
        foreach (var c in Configurations(rows, r => CellOf(r, cell)))
        {
            var key = (Value(c.First, rowKey), columnKey is null ? "" : Value(c.First, columnKey));
            if (!best.TryGetValue(key, out var seen) || c.Mean > seen.Mean)
                best[key] = c;
        }
        string Cell(Configuration c)
        {
            var text = c.Count > 1 ? $"{number(c.Mean)} ± {number(c.StandardDeviation)} (n={c.Count})" : number(c.Mean);
            if (c.First.FullBudget || c.First.Budget is not { } cycles)
                return text;
            var budget = cycles == 1 ? "1 cycle" : $"{cycles.ToString("0.###", CultureInfo.InvariantCulture)} cycles";
            return c.First.Status == TrialPhase.Stopped ? $"{text} (stopped at {budget})" : $"{text} ({budget} so far)";
        }
        string[] header = [rowKey, .. columnKey is null ? [cell] : columnValues.Select(c => $"{columnKey}={label(c)}")];
        var table = rowValues
            .Select(rv =>
                (string[])
                    [
                        label(rv),
                        .. columnValues.Select(cv =>
                            best.TryGetValue((rv, cv), out var b) ? Cell(b) : ended.GetValueOrDefault((rv, cv), "")
                        ),
                    ]
            )
            .ToArray();
        return (header, table);
    }

    /// <summary>
    /// A configuration's result: its replicates' mean and sample standard deviation of a metric (over
    /// those with a finite value; 0 for one), how many, and its first such replicate.
    /// </summary>
    public sealed record Configuration(TrialRow First, double Mean, double StandardDeviation, int Count);

    /// <summary>The configurations among <paramref name="rows"/> that have a finite <paramref name="metric"/>, in trial order.</summary>
    public static IReadOnlyList<Configuration> Configurations(
        IReadOnlyList<TrialRow> rows,
        Func<TrialRow, double?> metric
    ) =>
        rows.GroupBy(r => (r.Stage, PlannedTrial.ConfigurationOf(r.Parameters)))
            .Select(g => g.Where(r => metric(r) is { } m && double.IsFinite(m)).ToArray())
            .Where(g => g.Length > 0)
            .Select(g =>
            {
                var values = g.Select(r => metric(r)!.Value).ToArray();
                var mean = values.Average();
                var sd =
                    values.Length > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1)) : 0;
                return new Configuration(g[0], mean, sd, values.Length);
            })
            .ToArray();

    public static void WriteTable(
        string folder,
        string stage,
        IReadOnlyList<TrialRow> rows,
        string rowKey,
        string? columnKey,
        string cell
    )
    {
        var (header, table) = Pivot(rows, rowKey, columnKey, cell);
        AtomicFile.Write(
            Path.Combine(folder, $"table-{stage}.md"),
            $"# {stage}: {cell}\n\n" + MarkdownTable.Render(header, table)
        );
        var (exactHeader, exactTable) = Pivot(rows, rowKey, columnKey, cell, exact: true);
        Csv.Write(Path.Combine(folder, $"table-{stage}.csv"), exactHeader, exactTable.Select(r => r.Cast<object?>()));
    }

    /// <summary>The columns of a rung table (rungs-STAGE.md and .csv, and the report's).</summary>
    public static IReadOnlyList<string> RungColumns { get; } =
    ["bracket", "rung", "budget (cycles)", "entering", "results", "cut-off accuracy", "promoted", "stopped"];

    /// <summary>
    /// A stage's decision points: rungs-STAGE.md and .csv, one row per bracket and rung with its budget,
    /// the trials entering, those with a result there, the accuracy needed to go on (the last
    /// promoted one's; the median for the median rule), and how many went on or stopped.
    /// </summary>
    public static void WriteRungs(
        string folder,
        string stage,
        string policy,
        IReadOnlyList<Experiments.Scheduling.RungRow> rungs
    )
    {
        var table = rungs
            .Select(r =>
                new[]
                {
                    r.Bracket.ToString(CultureInfo.InvariantCulture),
                    r.Rung.ToString(CultureInfo.InvariantCulture),
                    r.BudgetCycles.ToString("0.###", CultureInfo.InvariantCulture),
                    r.Entering.ToString(CultureInfo.InvariantCulture),
                    r.Results.ToString(CultureInfo.InvariantCulture),
                    r.CutOff is { } c ? Readable.Number(c) : "",
                    r.Promoted.ToString(CultureInfo.InvariantCulture),
                    r.Stopped.ToString(CultureInfo.InvariantCulture),
                }
            )
            .ToArray();
        AtomicFile.Write(
            Path.Combine(folder, $"rungs-{stage}.md"),
            $"# {stage}: {policy}\n\n" + MarkdownTable.Render(RungColumns, table)
        );
        Csv.Write(Path.Combine(folder, $"rungs-{stage}.csv"), RungColumns, table.Select(r => r.Cast<object?>()));
    }

    /// <summary>A search stage's proposals in trial order: a title, and per trial its round, searched values, accuracy and the best so far.</summary>
    public sealed record SearchTable(string Stage, string Title, string[] Header, string[][] Rows);

    public static IReadOnlyList<SearchTable> SearchTables(SweepState state)
    {
        var tables = new List<SearchTable>();
        foreach (var stage in state.Stages)
        {
            if (stage.Plan is not SearchPlan plan)
                continue;
            var space = plan.Search.Space;
            var best = double.NegativeInfinity;
            var rows = new List<string[]>();
            foreach (var planned in plan.Trials())
            {
                var point = plan.PointOf(planned.Id);
                var trial = state.Find(planned.Id);
                var accuracy =
                    trial is { Phase: TrialPhase.Completed or TrialPhase.Stopped, Outcome.ValidationAccuracy: var v }
                    && double.IsFinite(v)
                        ? v
                        : (double?)null;
                if (accuracy > best)
                    best = accuracy.Value;
                var round = plan.RoundOf(planned.Id);
                var proposedBy = plan.WasDrawn(planned.Id)
                    ? round == 0
                        ? "initial design"
                        : "uniform draw"
                    : round == 0
                        ? "enqueued"
                        : plan.Search.Method.Name;
                rows.Add([
                    planned.Id.ToString(CultureInfo.InvariantCulture),
                    round.ToString(CultureInfo.InvariantCulture),
                    proposedBy,
                    .. space.Dimensions.Select((d, i) => space.IsActive(point, i) ? d.Format(point[i]) : ""),
                    (trial?.Phase ?? TrialPhase.Queued).Text(),
                    accuracy is { } a ? Exact(a) : "",
                    double.IsFinite(best) ? Exact(best) : "",
                ]);
            }
            var title =
                $"{stage.Name}: {plan.Search.Method.Name} search, {plan.Count} of "
                + $"{plan.Search.Trials} trials proposed in {plan.Rounds} round{(plan.Rounds == 1 ? "" : "s")} "
                + $"(initial {plan.Search.Initial}, batch {plan.Search.Batch}, lag {plan.Search.Lag})";
            tables.Add(
                new SearchTable(
                    stage.Name,
                    title,
                    [
                        "trial",
                        "round",
                        "proposed by",
                        .. space.Dimensions.Select(d => d.Key),
                        "status",
                        "validation accuracy",
                        "best so far",
                    ],
                    rows.ToArray()
                )
            );
        }
        return tables;
    }

    private static string Exact(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>search-STAGE.md and .csv: the proposals in the order they were made, with their results.</summary>
    public static void WriteSearch(string folder, SearchTable table)
    {
        var readable = table.Rows.Select(r => r.Select(Readable.Value).ToArray()).ToArray(); // the CSV keeps every digit
        AtomicFile.Write(
            Path.Combine(folder, $"search-{table.Stage}.md"),
            $"# {table.Title}\n\n" + MarkdownTable.Render(table.Header, readable)
        );
        Csv.Write(
            Path.Combine(folder, $"search-{table.Stage}.csv"),
            table.Header,
            table.Rows.Select(r => r.Cast<object?>())
        );
    }

    public static void WriteCurve(string folder, int trial, IReadOnlyList<CurvePoint> curve)
    {
        var curves = Path.Combine(folder, "curves");
        Directory.CreateDirectory(curves);
        Csv.Write(
            Path.Combine(curves, $"trial-{trial}.csv"),
            RunFolder.CurveColumns,
            curve.Select(p =>
                new object?[]
                {
                    p.Step,
                    p.LearningRate,
                    p.TrainCost,
                    p.TrainLoss,
                    p.TrainAccuracy,
                    p.ValidationCost,
                    p.ValidationLoss,
                    p.ValidationAccuracy,
                }
            )
        );
    }

    /// <summary>A member of a Pareto front as the files show it: its objectives' values (in their metrics' units) and its config.</summary>
    public sealed record FrontMember(
        int Trial,
        string Stage,
        IReadOnlyList<(string Key, string Value)> Parameters,
        double[] Values,
        string Conf
    );

    /// <summary>
    /// A Pareto front of a stage (or of the whole sweep: <see cref="AllStages"/>) under the sweep's objectives: its
    /// members best first by the first objective, the hypervolume they dominate from <see cref="Reference"/>, and
    /// how many trials trained to their end met the constraints.
    /// </summary>
    /// <param name="Varying">The parameters that differ among the stage's trials: what the trade-off is made of.</param>
    public sealed record FrontTable(
        string Stage,
        IReadOnlyList<ObjectiveSpec> Objectives,
        IReadOnlyList<FrontMember> Members,
        double[] Reference,
        double Hypervolume,
        int Feasible,
        int Infeasible,
        IReadOnlyList<string> Varying
    );

    public const string AllStages = "all";

    /// <summary>The front of every stage, then of all stages together (its members' configs go to front/); none for one plain objective.</summary>
    public static IReadOnlyList<FrontTable> Fronts(SweepState state)
    {
        var tradeOffs = state.Config.TradeOffs;
        if (tradeOffs.IsDefault)
            return [];
        FrontTable Table(string stage, IReadOnlyList<Trial> trials)
        {
            var front = tradeOffs.FrontOf(trials);
            var varying = trials
                .SelectMany(t => t.Plan.Parameters)
                .GroupBy(p => p.Key)
                .Where(g => g.Select(p => p.Value).Distinct().Skip(1).Any())
                .Select(g => g.Key)
                .ToArray();
            return new FrontTable(
                stage,
                tradeOffs.Objectives,
                front
                    .Members.Select(m => new FrontMember(
                        m.Trial.Id,
                        m.Trial.Plan.Stage,
                        m.Trial.Plan.Parameters,
                        m.Values,
                        Report.ReportData.BestConfigOf(state, m.Trial.Plan)
                    ))
                    .ToArray(),
                front.Reference,
                front.Hypervolume,
                front.Feasible,
                front.Infeasible,
                varying
            );
        }
        return
        [
            .. state.Stages.Select(s => Table(s.Name, state.Trials.Where(t => s.Plan.Contains(t.Id)).ToArray())),
            Table(AllStages, state.Trials.ToArray()),
        ];
    }

    /// <summary>
    /// pareto-STAGE.md and .csv: a stage's front, best first by the first objective, with its objectives and the
    /// parameters that vary in the stage.
    /// </summary>
    public static void WriteFront(string folder, FrontTable front)
    {
        var keys = front.Varying;
        var metrics = front.Objectives.Select(o => o.Metric.Name).ToArray();
        string[] header = ["trial", "stage", .. metrics, .. keys];
        var name = $"pareto-{front.Stage}";
        Csv.Write(
            Path.Combine(folder, $"{name}.csv"),
            header,
            front.Members.Select(m =>
                (IEnumerable<object?>)
                    [
                        m.Trial,
                        m.Stage,
                        .. m.Values.Select(v => (object?)v),
                        .. keys.Select(k => (object?)m.Parameters.FirstOrDefault(p => p.Key == k).Value),
                    ]
            )
        );
        var title =
            $"# {front.Stage}: Pareto front of {string.Join(" and ", front.Objectives)}\n\n"
            + $"{front.Members.Count} non-dominated of {front.Feasible} trials trained to their end that meet the constraints"
            + (front.Infeasible > 0 ? $" ({front.Infeasible} more break one)" : "")
            + $"; hypervolume {Readable.Number(front.Hypervolume)} from ("
            + string.Join(
                ", ",
                front.Reference.Select((r, k) => $"{metrics[k]} {Shown(front.Objectives[k].Metric, r)}")
            )
            + ") in the searches' units (accuracies as they are, counts in log10)\n\n";
        AtomicFile.Write(
            Path.Combine(folder, $"{name}.md"),
            title
                + MarkdownTable.Render(
                    header,
                    front
                        .Members.Select(m =>
                            (string[])
                                [
                                    m.Trial.ToString(CultureInfo.InvariantCulture),
                                    m.Stage,
                                    .. m.Values.Select((v, k) => Shown(front.Objectives[k].Metric, v)),
                                    .. keys.Select(k => m.Parameters.FirstOrDefault(p => p.Key == k).Value ?? ""),
                                ]
                        )
                        .ToArray()
                )
        );
    }

    /// <summary>A metric's value for people: counts of parameters and multiply-adds whole, the rest to 3 significant digits.</summary>
    private static string Shown(Metric metric, double value) =>
        metric.IsCount && metric != Metric.Seconds
            ? Math.Round(value).ToString("N0", CultureInfo.InvariantCulture)
            : Readable.Number(value);

    /// <summary>front/trial-N.conf for each member of the sweep's front (a3 train reads them); no conf of a trial that left it.</summary>
    public static void WriteFrontConfs(string folder, FrontTable front)
    {
        var confs = Path.Combine(folder, "front");
        Directory.CreateDirectory(confs);
        var current = front.Members.Select(m => $"trial-{m.Trial}.conf").ToHashSet();
        foreach (var member in front.Members)
            AtomicFile.Write(Path.Combine(confs, $"trial-{member.Trial}.conf"), member.Conf);
        foreach (
            var stale in Directory.GetFiles(confs, "trial-*.conf").Where(f => !current.Contains(Path.GetFileName(f)))
        )
            File.Delete(stale);
    }

    public static void WriteSummary(string folder, object summary) =>
        AtomicFile.Write(Path.Combine(folder, "summary.json"), Json.Serialize(summary));

    public static void WritePlots(
        string folder,
        string stage,
        IReadOnlyList<(string Name, IReadOnlyList<CurvePoint> Curve)> runs
    )
    {
        var plots = Path.Combine(folder, "plots", stage);
        Directory.CreateDirectory(plots);
        LearningCurvePlots.WriteComparison(plots, stage, runs);
    }

    private static double? CellOf(TrialRow row, string cell) =>
        cell switch
        {
            "validation-accuracy" => row.ValidationAccuracy,
            "test-accuracy" => row.TestAccuracy,
            "train-accuracy" => row.TrainAccuracy,
            "seconds" => row.Seconds,
            "parameters" => row.NetworkParameters,
            "training-flops" => row.TrainingFlops,
            _ => throw new ArgumentException($"unknown table cell '{cell}'"),
        };
}
