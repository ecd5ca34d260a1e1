using System.Globalization;
using System.Text;
using Assignment3.Experiments.Configuration;
using Assignment3.Experiments.Scheduling;
using Assignment3.Experiments.Sweeps;
using Assignment3.Experiments.Text;

namespace Assignment3.Storage.Report;

/// <summary>A trial as the report draws it: its parameters, result, validation curve so far and hand-outs.</summary>
/// <summary>Where a sweep stands as its report is written: running, complete, or interrupted (its coordinator stopped).</summary>
public enum SweepRunState
{
    Running,
    Complete,
    Interrupted,
}

public sealed record ReportTrial(
    int Id,
    string Stage,
    TrialPhase Phase,
    IReadOnlyList<(string Key, string Value)> Parameters,
    double? ValidationAccuracy,
    bool FullBudget,
    double? BudgetCycles,
    IReadOnlyList<(int Step, double Accuracy)> Curve,
    IReadOnlyList<AttemptRecord> Attempts,
    double TrainedCycles = 0
)
{
    public string Value(string key) => Parameters.FirstOrDefault(p => p.Key == key).Value ?? "";
}

/// <summary>
/// Everything report.html shows, copied from the sweep's state at one moment (so the page is
/// rendered off the aggregator's thread, or by a3 report from a store).
/// </summary>
public sealed record ReportData(
    string Folder,
    string Name,
    SweepRunState State,
    DateTime? Started,
    DateTime Updated,
    int Planned,
    IReadOnlyList<TrialRow> Rows,
    IReadOnlyList<ReportTrial> Trials,
    TableSpec Table,
    IReadOnlyList<(string Stage, string Policy, IReadOnlyList<RungRow> Rungs)> Rungs,
    string? BestConfig,
    int? BestSeed
)
{
    /// <summary>How often a running sweep's page reloads itself (a3.sweep.report-refresh).</summary>
    public double RefreshSeconds { get; init; } = 10;

    public bool Complete => State == SweepRunState.Complete;

    /// <summary>The parameters that vary among the trials (with whether numeric and log-scaled), found once per report.</summary>
    public IReadOnlyList<(string Key, bool Numeric, bool Log)> Swept => swept ??= SweepReport.SweptOf(this);
    private (string Key, bool Numeric, bool Log)[]? swept;

    /// <summary>
    /// The report's data from <paramref name="state"/>, as the sweep stands (<paramref name="run"/>), with the rows and
    /// fronts the caller has already taken from it.
    /// </summary>
    public static ReportData From(
        SweepState state,
        IReadOnlyList<TrialRow> rows,
        IReadOnlyList<SweepFolder.FrontTable> fronts,
        string folder,
        SweepRunState run,
        DateTime updated
    )
    {
        var byTrial = rows.ToDictionary(r => r.Trial);
        var trials = state
            .Trials.Select(t =>
            {
                var o = t.Outcome ?? t.PausedOutcome;
                var curve = t
                    .Curve.Concat(t.LivePoints)
                    .GroupBy(p => p.Step)
                    .Select(g => (g.Key, g.Last().ValidationAccuracy))
                    .OrderBy(p => p.Key)
                    .ToArray();
                var row = byTrial.GetValueOrDefault(t.Id);
                return new ReportTrial(
                    t.Id,
                    t.Plan.Stage,
                    t.Phase,
                    t.Plan.Parameters,
                    o is { } outcome && double.IsFinite(outcome.ValidationAccuracy) ? outcome.ValidationAccuracy : null,
                    row?.FullBudget ?? true,
                    row?.Budget,
                    curve,
                    t.Attempts.ToArray(),
                    (double)t.StepReached / t.Plan.Config.StepsPerCycle
                );
            })
            .ToArray();
        var best = Best(rows);
        var plan = best is null ? null : state.Find(best.Trial)?.Plan;
        return new ReportData(
            folder,
            state.Config.Experiment.Name,
            run,
            state.StartedAt,
            updated,
            state.Planned,
            rows,
            trials,
            state.Config.Table,
            SweepFolder.RungTables(state),
            plan is null ? null : BestConfigOf(state, plan),
            plan?.Config.Seed
        )
        {
            Search = SearchReport.From(state),
            Pareto = ParetoReport.From(state, fronts),
        };
    }

    /// <summary>
    /// A trial's config as a3 train reads it: its parameters, and its mini-batch order's seed when the
    /// sweep shared one (the seed comes on the command line).
    /// </summary>
    public static string BestConfigOf(SweepState state, PlannedTrial plan)
    {
        var resolved = state.Resolved(plan.Id);
        return (
            plan.Config.DataOrderSeed is { } order ? resolved.With(Parameter.DataOrderSeed, order) : resolved
        ).ToHocon();
    }

    /// <summary>The sweep's objectives and fronts (null: one plain objective).</summary>
    public ParetoReport? Pareto { get; init; }

    /// <summary>The search stage's progress and importance (null: the sweep does not search).</summary>
    public SearchReport? Search { get; init; }

    /// <summary>
    /// The best configuration (its first replicate's row, and its validation accuracy over replicates):
    /// trained to its full budget first, then by mean validation accuracy; never one that breaks a constraint.
    /// </summary>
    public static SweepFolder.Configuration? BestConfiguration(IReadOnlyList<TrialRow> rows) =>
        SweepFolder
            .Configurations(rows.Where(r => r.Feasible != false).ToArray(), r => r.ValidationAccuracy)
            .OrderByDescending(c => c.First.FullBudget)
            .ThenByDescending(c => c.Mean)
            .FirstOrDefault();

    /// <summary>The best configuration's first replicate (the best trial when there are no replicates).</summary>
    public static TrialRow? Best(IReadOnlyList<TrialRow> rows) => BestConfiguration(rows)?.First;
}

/// <summary>
/// report.html: one self-contained page (inline SVG and CSS, no script, no network) with the
/// sweep's state, its best trial and how to reproduce it, the search-space plots, validation
/// curves, a timeline of nodes and slots, the stage tables and every trial's row. It reloads itself
/// while the sweep runs and stops once it is complete.
/// </summary>
public static class SweepReport
{
    public const string FileName = "report.html";
    public const string BestConfigFileName = "best-trial.conf";
    private const int Top = 5;

    public static void Write(ReportData data)
    {
        if (data.BestConfig is { } best)
            AtomicFile.Write(Path.Combine(data.Folder, BestConfigFileName), best);
        // Written chunk by chunk, not made one string first: a large sweep's page is tens of MB.
        AtomicFile.Write(Path.Combine(data.Folder, FileName), writer => writer.Write(Page(data)));
    }

    private static StringBuilder Page(ReportData d)
    {
        var h = new StringBuilder();
        h.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">");
        // Nothing may be fetched: the page is one file, opened anywhere without a network.
        h.Append(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
        );
        if (d.State == SweepRunState.Running)
            h.Append($"<meta http-equiv=\"refresh\" content=\"{d.RefreshSeconds:0}\">"); // not once complete or interrupted
        h.Append($"<title>{E(d.Name)}: a3 sweep report</title><style>{Css}</style></head><body>");
        Header(h, d);
        BestTrial(h, d);
        SearchProgress.Append(h, d);
        ParetoFigure.Append(h, d.Pareto);
        SearchSpace(h, d);
        Curves(h, d);
        Timeline(h, d);
        Tables(h, d);
        h.Append("</body></html>");
        return h;
    }

    // The page never scrolls sideways: figures shrink to the window, a table wider than it scrolls in its own box, long words break.
    // Text colours keep a contrast of 4.5:1 or more on their backgrounds (WCAG 2 AA).
    private const string Css =
        "body{font-family:sans-serif;margin:24px;color:#222;max-width:1400px;overflow-wrap:break-word}h1{margin-bottom:4px}"
        + "h2{margin-top:32px;border-bottom:1px solid #ddd}.wide{overflow-x:auto;max-width:100%}"
        + "table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}"
        + "th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}.facts span{margin-right:18px}"
        + ".state-complete{color:#1a7f1a}.state-running{color:#1f77b4}.state-interrupted{color:#d62728}"
        + "pre{background:#f6f6f6;padding:8px;overflow-x:auto}figure{display:inline-block;margin:8px 16px 8px 0;vertical-align:top;max-width:100%}"
        + "svg{max-width:100%;height:auto}figcaption{font-size:13px;color:#444;max-width:640px}"
        + ".legend span{margin-right:12px;font-size:12px}.swatch{display:inline-block;width:10px;height:10px;margin-right:4px}";

    private static string E(string text) => SvgFigure.Escape(text);

    private static void Header(StringBuilder h, ReportData d)
    {
        var count = (TrialPhase phase) => d.Rows.Count(r => r.Status == phase);
        var recorded = d.Rows.Count(r => r.Status.IsFinal());
        var wall = d.Started is { } s ? d.Updated - s : TimeSpan.Zero;
        var perHour = wall.TotalHours > 0 ? recorded / wall.TotalHours : 0;
        var slots = d.Trials.SelectMany(t => t.Attempts).Select(a => (a.Node, a.Slot)).Distinct().ToArray();
        var state = d.State switch
        {
            SweepRunState.Complete => "complete",
            SweepRunState.Running => "running",
            _ => $"not complete: running elsewhere, or interrupted (resume with a3 sweep --resume {d.Folder})",
        };
        h.Append(
            $"<h1>{E(d.Name)}</h1><p class=\"facts\" id=\"state\"><span class=\"state-{d.State.ToString().ToLowerInvariant()}\"><b>{E(state)}</b></span>"
        );
        h.Append(
            $"<span>{recorded} of {d.Planned} trials recorded</span><span>completed {count(TrialPhase.Completed)}</span>"
        );
        if (count(TrialPhase.Stopped) > 0)
            h.Append($"<span>stopped early {count(TrialPhase.Stopped)}</span>");
        h.Append($"<span>running {count(TrialPhase.Running)}</span>");
        if (count(TrialPhase.Paused) > 0)
            h.Append($"<span>paused {count(TrialPhase.Paused)}</span>");
        h.Append(
            $"<span>queued {d.Planned - d.Rows.Count(r => r.Status != TrialPhase.Queued)}</span><span>diverged {count(TrialPhase.Diverged)}</span>"
        );
        h.Append($"<span>failed {count(TrialPhase.Failed)}</span></p>");
        h.Append(
            $"<p class=\"facts\"><span>wall time {wall:hh\\:mm\\:ss}</span><span>{Readable.Number(perHour)} trials per hour</span>"
                + $"<span>{slots.Select(s => s.Node).Distinct().Count()} node(s), "
                + $"{slots.Length} slot(s)</span><span>updated {d.Updated:yyyy-MM-dd HH:mm:ss} UTC</span></p>"
        );
    }

    private static void BestTrial(StringBuilder h, ReportData d)
    {
        h.Append("<h2>Best trial</h2>");
        if (ReportData.BestConfiguration(d.Rows) is not { } configuration)
        {
            h.Append("<p>No trial has a result yet.</p>");
            return;
        }
        var best = configuration.First;
        var mean =
            configuration.Count > 1
                ? $"mean over {configuration.Count} replicates <b>{Readable.Number(configuration.Mean)} "
                    + $"± {Readable.Number(configuration.StandardDeviation)}</b>; this replicate's "
                : "";
        h.Append(
            $"<p id=\"best\">Trial <b>{best.Trial}</b> ({E(best.Stage)}): {mean}validation accuracy <b>{Readable.Number(best.ValidationAccuracy!.Value)}</b>"
                + (best.TestAccuracy is { } test ? $", test accuracy {Readable.Number(test)}" : "")
                + (best.FullBudget ? "" : $" (not trained to its full budget: {best.Status.Text()})")
                + "</p>"
        );
        h.Append(
            "<div class=\"wide\"><table><tr>"
                + string.Concat(best.Parameters.Select(p => $"<th>{E(p.Key)}</th>"))
                + "<th>seed</th></tr><tr>"
                + string.Concat(best.Parameters.Select(p => $"<td>{E(Readable.Value(p.Value))}</td>"))
                + $"<td>{best.Seed}</td></tr></table></div>"
        );
        if (d.BestConfig is not null)
            h.Append(
                $"<p>Reproduce it (the same numbers, bit for bit):</p><pre id=\"reproduce\">a3 train "
                    + $"--config {E(Path.Combine(d.Folder, SweepReport.BestConfigFileName))} --seed {d.BestSeed}</pre>"
            );
    }

    /// <summary>The parameters that take more than one value among the trials, in config order.</summary>
    internal static (string Key, bool Numeric, bool Log)[] SweptOf(ReportData d) =>
        d
            .Trials.SelectMany(t => t.Parameters.Select(p => p.Key))
            .Distinct()
            // A conditional parameter (a search's alpha without batch norm) has no value everywhere: not plotted against.
            .Where(k => d.Trials.Select(t => t.Value(k)).Distinct().Count() > 1 && d.Trials.All(t => t.Value(k) != ""))
            .Select(k =>
            {
                var numeric = d.Trials.All(t =>
                    double.TryParse(t.Value(k), NumberStyles.Float, CultureInfo.InvariantCulture, out _)
                );
                var log =
                    numeric
                    && Parameter.All.FirstOrDefault(p => p.Key == k)?.LogScale == true
                    && d.Trials.All(t => Num(t.Value(k)) > 0);
                return (k, numeric, log);
            })
            .ToArray();

    /// <summary>
    /// The first search-space plot's data: validation accuracy against the first swept numeric
    /// parameter, one series per value of the categorical ones; null when no numeric parameter varies.
    /// </summary>
    public static (
        string Key,
        bool Log,
        IReadOnlyList<(string Series, double X, double Accuracy, bool FullBudget)> Points
    )? FirstSearchSpace(ReportData d)
    {
        var swept = d.Swept;
        if (swept.FirstOrDefault(s => s.Numeric) is not { Key: not null } x)
            return null;
        var categorical = SeriesKeys(d);
        var points = Scored(d)
            .Select(t => (SeriesOf(t, categorical), Num(t.Value(x.Key)), t.ValidationAccuracy!.Value, t.FullBudget))
            .ToArray();
        return (x.Key, x.Log, points);
    }

    /// <summary>The categorical parameters that split the plots into series: those with a few values (a search's shapes are many).</summary>
    private static string[] SeriesKeys(ReportData d) =>
        d
            .Swept.Where(s =>
                !s.Numeric && d.Trials.Select(t => t.Value(s.Key)).Distinct().Count() <= SvgFigure.Palette.Length
            )
            .Select(s => s.Key)
            .ToArray();

    /// <summary>The series a trial is drawn in: its values of the categorical parameters that vary.</summary>
    private static string SeriesOf(ReportTrial t, IReadOnlyList<string> categorical) =>
        categorical.Count == 0 ? "all trials" : string.Join(", ", categorical.Select(k => $"{k}={t.Value(k)}"));

    private static ReportTrial[] Scored(ReportData d) =>
        d
            .Trials.Where(t =>
                t.ValidationAccuracy is not null && t.Phase is TrialPhase.Completed or TrialPhase.Stopped
            )
            .ToArray();

    private static double Num(string value) => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static void SearchSpace(StringBuilder h, ReportData d)
    {
        h.Append("<h2>Search space</h2>");
        var swept = d.Swept;
        var scored = Scored(d);
        if (swept.Count == 0 || scored.Length == 0)
        {
            h.Append("<p>No results to plot yet.</p>");
            return;
        }
        var categorical = SeriesKeys(d);
        string Series(ReportTrial t) => SeriesOf(t, categorical);
        var series = scored.Select(Series).Distinct().ToArray();
        var stages = d.Trials.Select(t => t.Stage).Distinct().ToArray();
        var y = Axis.Covering(scored.Select(t => t.ValidationAccuracy!.Value), false, "validation accuracy");
        var legend = Legend(series, stages, scored.Any(t => !t.FullBudget));
        var xs = swept.Where(s => s.Numeric).ToArray();
        if (xs.Length == 0)
            xs = [swept[0]];
        foreach (var (key, numeric, log) in xs)
        {
            var labels = numeric ? [] : d.Trials.Select(t => t.Value(key)).Distinct().ToArray();
            var x = numeric
                ? Axis.Covering(scored.Select(t => Num(t.Value(key))), log, key)
                : new Axis(-0.5, labels.Length - 0.5, false, key);
            var figure = new SvgFigure(640, 360, x, y, "search-space");
            foreach (var t in scored)
            {
                var colour = SvgFigure.Palette[Array.IndexOf(series, Series(t)) % SvgFigure.Palette.Length];
                var at = numeric ? Num(t.Value(key)) : Array.IndexOf(labels, t.Value(key));
                var budget = t.FullBudget ? "" : $", stopped at {Readable.Number(t.BudgetCycles ?? 0)} cycles";
                var round = d.Search?.RoundOf.GetValueOrDefault(t.Id) is { } r ? $", round {r}" : "";
                figure.Point(
                    at,
                    t.ValidationAccuracy!.Value,
                    colour,
                    Array.IndexOf(stages, t.Stage) % 3,
                    t.FullBudget,
                    "trial-point",
                    $"trial {t.Id} ({t.Stage}{round}): {key}={Readable.Value(t.Value(key))}, "
                        + $"{Series(t)}: {Readable.Number(t.ValidationAccuracy!.Value)}{budget}",
                    $"data-trial=\"{t.Id}\""
                );
                // A search's proposals are numbered in the order they were made: where the search went, and when.
                if (round.Length > 0)
                    figure.Text(
                        figure.Px(at) + 5,
                        figure.Py(t.ValidationAccuracy!.Value) - 4,
                        t.Id.ToString(CultureInfo.InvariantCulture),
                        "start",
                        9,
                        "#666"
                    );
            }
            var ticks = numeric ? null : labels.Select((l, i) => ((double)i, l)).ToArray();
            figure.AppendFigure(
                h,
                $"Validation accuracy against {E(key)}, one colour "
                    + $"per {E(categorical.Length == 0 ? "sweep" : string.Join(" and ", categorical))}. {legend}",
                ticks
            );
        }
        var numericKeys = swept.Where(s => s.Numeric).ToArray();
        if (numericKeys.Length >= 2)
            HeatMap(h, scored, numericKeys[0], numericKeys[1]);
        if (swept.Count >= 3)
            ParallelCoordinates(h, d, scored, swept);
    }

    private static string Legend(IReadOnlyList<string> series, IReadOnlyList<string> stages, bool early) =>
        "<span class=\"legend\">"
        + string.Concat(
            series.Select(
                (s, i) =>
                    $"<span><i class=\"swatch\" style=\"background:{SvgFigure.Palette[i % SvgFigure.Palette.Length]}\"></i>{E(s)}</span>"
            )
        )
        + (
            stages.Count > 1
                ? $"<span>stages: {E(string.Join(", ", stages.Select((s, i) => $"{s} {(new[] { "●", "■", "▲" })[i % 3]}")))}</span>"
                : ""
        )
        + (early ? "<span>hollow: stopped early</span>" : "")
        + "</span>";

    /// <summary>The best accuracy for each pair of values of two numeric parameters.</summary>
    private static void HeatMap(
        StringBuilder h,
        IReadOnlyList<ReportTrial> scored,
        (string Key, bool Numeric, bool Log) a,
        (string Key, bool Numeric, bool Log) b
    )
    {
        var xs = scored.Select(t => t.Value(a.Key)).Distinct().OrderBy(Num).ToArray();
        var ys = scored.Select(t => t.Value(b.Key)).Distinct().OrderBy(Num).ToArray();
        if (xs.Length > 40 || ys.Length > 40)
            return; // sampled values: the scatter plots say it better
        var best = scored
            .GroupBy(t => (t.Value(a.Key), t.Value(b.Key)))
            .ToDictionary(g => g.Key, g => g.Max(t => t.ValidationAccuracy!.Value));
        var (lo, hi) = (best.Values.Min(), best.Values.Max());
        var figure = new SvgFigure(
            640,
            360,
            new Axis(-0.5, xs.Length - 0.5, false, a.Key),
            new Axis(-0.5, ys.Length - 0.5, false, b.Key),
            "heat-map"
        );
        var (w, hgt) = (figure.PlotWidth / xs.Length, figure.PlotHeight / ys.Length);
        for (var i = 0; i < xs.Length; i++)
        for (var j = 0; j < ys.Length; j++)
            if (best.TryGetValue((xs[i], ys[j]), out var v))
            {
                var colour = Shade(hi > lo ? (v - lo) / (hi - lo) : 1);
                figure.Box(
                    figure.Px(i) - w / 2,
                    figure.Py(j) - hgt / 2,
                    w - 1,
                    hgt - 1,
                    colour,
                    "heat-cell",
                    $"{a.Key}={Readable.Value(xs[i])}, {b.Key}={Readable.Value(ys[j])}: {Readable.Number(v)}",
                    Readable.Number(v)
                );
            }
        var yLabels = string.Concat(
            ys.Select(
                (v, j) =>
                    $"<text x=\"{SvgFigure.Left - 6}\" y=\"{SvgFigure.N(figure.Py(j) + 3)}\" "
                    + $"text-anchor=\"end\" font-size=\"10\" fill=\"#555\">{E(Readable.Value(v))}</text>"
            )
        );
        figure.Raw(
            yLabels
                + $"<text transform=\"translate(14,{SvgFigure.N(SvgFigure.Top + figure.PlotHeight / 2)}) "
                + $"rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">{E(b.Key)}</text>"
        );
        var every = (xs.Length + 9) / 10; // at most about ten labels: more overlap
        figure.AppendFigure(
            h,
            $"Best validation accuracy for each {E(a.Key)} and {E(b.Key)} "
                + $"(darker is better; {Readable.Number(lo)} to {Readable.Number(hi)}).",
            xs.Select((v, i) => ((double)i, Readable.Value(v))).Where((_, i) => i % every == 0).ToArray(),
            yAxis: false
        );
    }

    /// <summary>A light-to-dark blue for 0..1.</summary>
    private static string Shade(double f)
    {
        int Mix(int from, int to) => (int)Math.Round(from + (to - from) * Math.Clamp(f, 0, 1));
        return $"#{Mix(0xde, 0x08):x2}{Mix(0xeb, 0x30):x2}{Mix(0xf7, 0x6b):x2}";
    }

    /// <summary>One vertical axis per varying parameter and one for the accuracy; one line per trial, the top 5 in colour.</summary>
    private static void ParallelCoordinates(
        StringBuilder h,
        ReportData d,
        IReadOnlyList<ReportTrial> scored,
        IReadOnlyList<(string Key, bool Numeric, bool Log)> swept
    )
    {
        var axes = swept
            .Select(s =>
            {
                var values = d.Trials.Select(t => t.Value(s.Key)).Distinct().ToArray();
                if (s.Numeric)
                    values = values.OrderBy(Num).ToArray();
                var axis = s.Numeric
                    ? Axis.Covering(values.Select(Num), s.Log, s.Key)
                    : new Axis(-0.5, values.Length - 0.5, false, s.Key);
                return (s.Key, s.Numeric, Axis: axis, Values: values);
            })
            .ToList();
        var accuracy = Axis.Covering(scored.Select(t => t.ValidationAccuracy!.Value), false, "validation accuracy");
        var (width, height) = (Math.Max(640, 150 * (axes.Count + 1)), 360);
        // Room right of the last axis for its tick labels.
        var frame = new SvgFigure(
            width,
            height,
            new Axis(-0.05, axes.Count + 0.4, false, ""),
            accuracy,
            "parallel-coordinates"
        );
        double Fraction(int i, ReportTrial t) =>
            i == axes.Count ? accuracy.Fraction(t.ValidationAccuracy!.Value)
            : axes[i].Numeric ? axes[i].Axis.Fraction(Num(t.Value(axes[i].Key)))
            : axes[i].Axis.Fraction(Array.IndexOf(axes[i].Values, t.Value(axes[i].Key)));
        var top = scored
            .OrderByDescending(t => t.FullBudget)
            .ThenByDescending(t => t.ValidationAccuracy)
            .Take(Top)
            .ToArray();
        var lanes = Enumerable.Range(0, axes.Count + 1).ToArray();
        foreach (var t in scored.Except(top).Concat(top.Reverse()))
        {
            var rank = Array.IndexOf(top, t);
            var points = lanes.Select(i => ((double)i, accuracy.Min + Fraction(i, t) * (accuracy.Max - accuracy.Min)));
            frame.Line(
                points,
                rank >= 0 ? SvgFigure.Palette[rank] : "#999",
                rank >= 0 ? 2.5 : 1,
                rank >= 0 ? 1 : 0.35,
                rank >= 0 ? "top-trial" : "trial-line",
                $"trial {t.Id}: "
                    + string.Join(", ", axes.Select(a => $"{a.Key}={Readable.Value(t.Value(a.Key))}"))
                    + $" -> {Readable.Number(t.ValidationAccuracy!.Value)}"
            );
        }
        foreach (var i in lanes)
        {
            var px = frame.Px(i);
            frame.Raw(
                $"<line x1=\"{SvgFigure.N(px)}\" x2=\"{SvgFigure.N(px)}\" y1=\"{SvgFigure.Top}\" "
                    + $"y2=\"{SvgFigure.N(SvgFigure.Top + frame.PlotHeight)}\" stroke=\"#555\"/>"
            );
            var (name, ticks) =
                i == axes.Count
                    ? (
                        "validation accuracy",
                        accuracy.Ticks().Select(v => (accuracy.Fraction(v), Readable.Number(v))).ToArray()
                    )
                    : (
                        axes[i].Key + (axes[i].Axis.Log ? " (log)" : ""),
                        axes[i].Numeric
                            ? axes[i].Axis.Ticks().Select(v => (axes[i].Axis.Fraction(v), Readable.Number(v))).ToArray()
                            : axes[i].Values.Select((v, k) => (axes[i].Axis.Fraction(k), v)).ToArray()
                    );
            frame.Text(px, height - 24, name, "middle", 12, "#222");
            foreach (var (f, label) in ticks)
                frame.Text(px + 4, SvgFigure.Top + (1 - f) * frame.PlotHeight + 3, label, "start", 10, "#555");
        }
        frame.AppendFigure(
            h,
            $"Parallel coordinates: every scored trial, the {Top} best in colour "
                + $"({E(string.Join(", ", top.Select(t => $"trial {t.Id}")))}); "
                + "log axes where the parameter is log-scaled.",
            [],
            yAxis: false
        );
    }

    private static void Curves(StringBuilder h, ReportData d)
    {
        h.Append("<h2>Validation curves</h2>");
        var withCurves = d.Trials.Where(t => t.Curve.Count > 0).ToArray();
        if (withCurves.Length == 0)
        {
            h.Append("<p>No recording points yet.</p>");
            return;
        }
        var top = withCurves
            .Where(t =>
                t.ValidationAccuracy is not null
                && t.Phase is TrialPhase.Completed or TrialPhase.Stopped or TrialPhase.Paused
            )
            .OrderByDescending(t => t.FullBudget)
            .ThenByDescending(t => t.ValidationAccuracy)
            .Take(Top)
            .ToArray();
        var running = withCurves.Where(t => t.Phase == TrialPhase.Running).ToArray();
        // The rest faint, at most a few hundred of them (the best first) so the page stays light.
        var rest = withCurves
            .Except(top)
            .Except(running)
            .OrderByDescending(t => t.ValidationAccuracy ?? 0)
            .Take(300)
            .ToArray();
        var shown = top.Concat(running).Concat(rest).ToArray();
        var x = Axis.Covering(
            shown.SelectMany(t => t.Curve.Select(p => (double)p.Step)).Append(0),
            false,
            "update step"
        );
        var y = Axis.Covering(shown.SelectMany(t => t.Curve.Select(p => p.Accuracy)), false, "validation accuracy");
        var figure = new SvgFigure(900, 380, x, y, "curves");
        var swept = d.Swept.Select(p => p.Key).ToHashSet();
        string Name(ReportTrial t) =>
            $"trial {t.Id}: "
            + string.Join(
                ", ",
                t.Parameters.Where(p => swept.Contains(p.Key)).Select(p => $"{p.Key}={Readable.Value(p.Value)}")
            );
        foreach (var t in rest)
            figure.Line(t.Curve.Select(p => ((double)p.Step, p.Accuracy)), "#999", 1, 0.3, "faint-curve", Name(t));
        foreach (var t in running)
            figure.Line(
                t.Curve.Select(p => ((double)p.Step, p.Accuracy)),
                "#1f77b4",
                1.5,
                0.8,
                "running-curve",
                Name(t) + " (running)",
                dashed: true
            );
        for (var i = top.Length - 1; i >= 0; i--)
            figure.Line(
                top[i].Curve.Select(p => ((double)p.Step, p.Accuracy)),
                SvgFigure.Palette[i],
                2.5,
                1,
                "top-curve",
                Name(top[i])
            );
        var legend =
            "<span class=\"legend\">"
            + string.Concat(
                top.Select(
                    (t, i) =>
                        $"<span><i class=\"swatch\" style=\"background:{SvgFigure.Palette[i]}\"></i>{E(Name(t))} "
                        + $"({Readable.Number(t.ValidationAccuracy!.Value)})</span>"
                )
            )
            + (running.Length > 0 ? "<span>dashed: running</span>" : "")
            + (rest.Length > 0 ? "<span>grey: the others</span>" : "")
            + "</span>";
        figure.AppendFigure(h, $"The {top.Length} best trials in colour. {legend}");
    }

    private static void Timeline(StringBuilder h, ReportData d)
    {
        h.Append("<h2>Timeline</h2>");
        var attempts = d.Trials.SelectMany(t => t.Attempts.Select(a => (Trial: t, Attempt: a))).ToArray();
        if (attempts.Length == 0 || d.Started is not { } start)
        {
            h.Append("<p>No trial has started yet.</p>");
            return;
        }
        var lanes = attempts.Select(a => $"{a.Attempt.Node}/{a.Attempt.Slot}").Distinct().Order().ToArray();
        var end = Math.Max(1, (d.Updated - start).TotalSeconds);
        const int laneHeight = 18;
        var figure = new SvgFigure(
            1000,
            SvgFigure.Top + SvgFigure.Bottom + laneHeight * lanes.Length + 4,
            new Axis(0, end, false, "seconds since the sweep started"),
            new Axis(0, 1, false, ""),
            "timeline"
        );
        // A group's hand-outs share their slot's lane: each takes a band of its height; the group is named by its trials.
        var groups = attempts
            .GroupBy(a =>
                (
                    a.Attempt.Node,
                    a.Attempt.Slot,
                    Group: a.Attempt.Group == 0 ? a.Trial.Id : a.Attempt.Group,
                    a.Attempt.FromStep
                )
            )
            .SelectMany(g =>
            {
                var members = g.Select(m => m.Trial.Id).Order().ToArray();
                return g.OrderBy(a => a.Trial.Id)
                    .Select((a, i) => (a.Trial, a.Attempt, Band: i, Bands: members.Length, Members: members));
            })
            .ToArray();
        foreach (var (trial, attempt, band, bands, members) in groups)
        {
            var lane = Array.IndexOf(lanes, $"{attempt.Node}/{attempt.Slot}");
            var from = (attempt.Started - start).TotalSeconds;
            var to = ((attempt.Ended ?? d.Updated) - start).TotalSeconds;
            var others = members.Where(m => m != trial.Id).ToArray();
            var together =
                others.Length > 0
                    ? $", trained together with trial{(others.Length > 1 ? "s" : "")} {string.Join(", ", others)}"
                    : "";
            var ending = attempt.Detail ?? "running";
            var colour = attempt.End switch
            {
                AttemptEnd.Completed => "#2ca02c",
                AttemptEnd.Diverged => "#9467bd",
                AttemptEnd.Failed => "#d62728",
                null => "#1f77b4",
                AttemptEnd.Paused or AttemptEnd.Released => "#aec7e8", // went on as planned, here or on a free slot
                _ => "#ff7f0e", // requeued, or another hand-out's result came first
            };
            var height = (laneHeight - 3.0) / bands;
            figure.Box(
                figure.Px(from),
                SvgFigure.Top + 2 + lane * laneHeight + band * height,
                figure.Px(to) - figure.Px(from),
                height,
                colour,
                "attempt",
                $"trial {trial.Id}, hand-out {attempt.Attempt} on "
                    + $"{attempt.Node}/{attempt.Slot}{together}: {Readable.Number(from)} s to {Readable.Number(to)} s, {ending}",
                bands == 1 ? trial.Id.ToString(CultureInfo.InvariantCulture) : null
            );
        }
        for (var i = 0; i < lanes.Length; i++)
            figure.Text(
                SvgFigure.Left - 4,
                SvgFigure.Top + 2 + i * laneHeight + laneHeight / 2 + 3,
                lanes[i].Split('/')[^1],
                "end",
                9
            );
        var legend = string.Join(
            "",
            new[]
            {
                ("#2ca02c", "completed"),
                ("#98df8a", "stopped early"),
                ("#aec7e8", "paused at a rung, or released to a free slot"),
                ("#1f77b4", "running"),
                ("#ff7f0e", "requeued"),
                ("#9467bd", "diverged"),
                ("#d62728", "failed"),
            }.Select(l => $"<span><i class=\"swatch\" style=\"background:{l.Item1}\"></i>{l.Item2}</span>")
        );
        figure.AppendFigure(
            h,
            "Each slot's hand-outs, one lane "
                + $"per slot of {E(string.Join(", ", lanes.Select(l => l[..l.LastIndexOf('/')]).Distinct()))}; "
                + "trials trained together in a group share their lane, a band each. "
                + $"<span class=\"legend\">{legend}</span>",
            yAxis: false
        );
    }

    private static void Tables(StringBuilder h, ReportData d)
    {
        foreach (var stage in d.Rows.GroupBy(r => r.Stage))
        {
            var (header, rows) = SweepFolder.Pivot(stage.ToArray(), d.Table.Rows, d.Table.Columns, d.Table.Cell);
            h.Append($"<h2>Stage {E(stage.Key)}: {E(d.Table.Cell)}</h2>");
            Table(h, header, rows, "stage-table");
            foreach (var (_, policy, rungs) in d.Rungs.Where(r => r.Stage == stage.Key))
            {
                h.Append($"<p>{E(policy)}</p>");
                Table(
                    h,
                    SweepFolder.RungColumns,
                    rungs
                        .Select(r =>
                            new[]
                            {
                                $"{r.Bracket}",
                                $"{r.Rung}",
                                Readable.Number(r.BudgetCycles),
                                $"{r.Entering}",
                                $"{r.Results}",
                                r.CutOff is { } c ? Readable.Number(c) : "",
                                $"{r.Promoted}",
                                $"{r.Stopped}",
                            }
                        )
                        .ToArray(),
                    "rung-table"
                );
            }
        }
        h.Append("<h2>Every trial</h2>");
        var keys = d.Rows.SelectMany(r => r.Parameters.Select(p => p.Key)).Distinct().ToArray();
        string Cell(double? v) => v is { } x ? Readable.Number(x) : "";
        var table = d
            .Rows.Select(r =>
                (string[])
                    [
                        $"{r.Trial}",
                        r.Stage,
                        .. keys.Select(k => Readable.Value(r.Parameters.FirstOrDefault(p => p.Key == k).Value ?? "")),
                        r.Status.Text(),
                        Cell(r.ValidationAccuracy),
                        Cell(r.TestAccuracy),
                        Cell(r.Budget),
                        Cell(r.Seconds),
                        r.Group?.ToString(CultureInfo.InvariantCulture) ?? "",
                        r.Node,
                        $"{r.Attempts}",
                        r.Error ?? "",
                    ]
            )
            .ToArray();
        string[] columns =
        [
            "trial",
            "stage",
            .. keys,
            "status",
            "validation accuracy",
            "test accuracy",
            "cycles trained",
            "seconds",
            "group",
            "node",
            "hand-outs",
            "error",
        ];
        // With two or more rows, a column with one value in every row is said once above the table (an empty one not at all).
        var varying = Enumerable
            .Range(0, columns.Length)
            .Where(c => c == 0 || table.Length < 2 || table.Any(r => r[c] != table[0][c]))
            .ToArray();
        var same = Enumerable
            .Range(0, columns.Length)
            .Except(varying)
            .Where(c => table[0][c].Length > 0)
            .Select(c => $"{columns[c]} = {table[0][c]}")
            .ToArray();
        if (same.Length > 0)
            h.Append($"<p id=\"same-in-every-trial\">The same in every trial: {E(string.Join(", ", same))}.</p>");
        Table(
            h,
            varying.Select(c => columns[c]).ToArray(),
            table.Select(r => varying.Select(c => r[c]).ToArray()).ToArray(),
            "trials",
            "trial-row"
        );
    }

    /// <summary>
    /// A table in a box of its own that scrolls sideways when the table is wider than the window (the page
    /// does not). Appended cell by cell: the table of every trial of a large sweep is tens of MB, and made
    /// as one string first it would take buffers that size from the shared pool, which keeps them.
    /// </summary>
    private static void Table(
        StringBuilder h,
        IReadOnlyList<string> header,
        IReadOnlyList<string[]> rows,
        string cls,
        string rowClass = ""
    )
    {
        h.Append($"<div class=\"wide\"><table class=\"{cls}\"><tr>");
        foreach (var c in header)
            h.Append($"<th>{E(c)}</th>");
        h.Append("</tr>");
        var open = rowClass.Length > 0 ? $"<tr class=\"{rowClass}\">" : "<tr>";
        foreach (var r in rows)
        {
            h.Append(open);
            foreach (var c in r)
                h.Append($"<td>{E(c)}</td>");
            h.Append("</tr>");
        }
        h.Append("</table></div>");
    }
}
