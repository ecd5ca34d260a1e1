using System.Globalization;
using System.Text;
using Assignment3.Experiments.Search;
using Assignment3.Experiments.Sweeps;
using Assignment3.Experiments.Text;

namespace Assignment3.Storage.Report;

/// <summary>
/// A search stage as the report shows it: method, rounds, each trial's round, and parameter importance
/// (fitted when the page is rendered, off the aggregator's thread, from the results copied here).
/// </summary>
public sealed record SearchReport(
    string Stage,
    string Method,
    int Proposed,
    int Budget,
    int Rounds,
    int Lag,
    IReadOnlyDictionary<int, int> RoundOf,
    IReadOnlyList<int> OpenRounds,
    Lazy<IReadOnlyList<DimensionImportance>?> Importance
)
{
    /// <summary>Where the search stands, after its method's name: for a3 status and the report.</summary>
    public string Progress =>
        $"search, {Proposed} of {Budget} trials proposed in {Rounds} round{(Rounds == 1 ? "" : "s")} (lag {Lag}); "
        + (
            OpenRounds.Count == 0
                ? "every round's results are in"
                : $"round{(OpenRounds.Count > 1 ? "s" : "")} {string.Join(", ", OpenRounds)} running"
        );

    public static SearchReport? From(SweepState state)
    {
        if (state.Stages.Select(s => s.Plan).OfType<SearchPlan>().FirstOrDefault() is not { } plan)
            return null;
        var search = plan.Search;
        var observed = plan.Observed(state);
        var seed = state.Config.Seed;
        return new SearchReport(
            plan.Stage,
            search.Method.Name,
            plan.Count,
            search.Trials,
            plan.Rounds,
            search.Lag,
            plan.Trials().ToDictionary(t => t.Id, t => plan.RoundOf(t.Id)),
            plan.Trials()
                .Where(t => state.Find(t.Id) is not { IsFinal: true })
                .Select(t => plan.RoundOf(t.Id))
                .Distinct()
                .Order()
                .ToArray(),
            new Lazy<IReadOnlyList<DimensionImportance>?>(() => SearchImportance.Of(search.Space, observed, seed))
        );
    }
}

/// <summary>
/// The report's "Search progress": the best full-budget validation accuracy so far against the
/// trial-cycles spent (trials in id order, every cycle trained counted, stopped early or not) and
/// against wall time, one line per stage; for a search stage, its rounds and the importance of each parameter.
/// </summary>
public static class SearchProgress
{
    public static void Append(StringBuilder h, ReportData d)
    {
        var stages = d.Trials.Select(t => t.Stage).Distinct().ToArray();
        string Label(string stage) =>
            d.Search is { } search && search.Stage == stage ? $"{stage} ({search.Method} search)" : stage;
        var byCycles = stages
            .Select(s =>
                (
                    Label(s),
                    Steps(d.Trials.Where(t => t.Stage == s).OrderBy(t => t.Id), t => t.TrainedCycles, cumulative: true)
                )
            )
            .ToArray();
        var start = d.Started ?? d.Updated;
        var byTime = stages
            .Select(s =>
                (
                    Label(s),
                    Steps(
                        d.Trials.Where(t => t.Stage == s && Ended(t) is not null)
                            .OrderBy(t => Ended(t))
                            .ThenBy(t => t.Id),
                        t => (Ended(t)!.Value - start).TotalMinutes,
                        cumulative: false
                    )
                )
            )
            .ToArray();
        h.Append("<h2>Search progress</h2>");
        if (d.Search is { } search)
        {
            h.Append(
                $"<p id=\"search\">Stage {Esc(search.Stage)}: <b>{Esc(search.Method)}</b> {Esc(search.Progress)}. "
                    + "In the search-space plots each point carries its trial number: the order the search proposed it.</p>"
            );
        }
        if (byCycles.All(s => s.Item2.Count == 0))
        {
            h.Append("<p>No trial has a full-budget result yet.</p>");
        }
        else
        {
            Figure(
                h,
                byCycles,
                "trial-cycles spent (trials in id order)",
                "best-by-cycles",
                "Best validation accuracy so far against the training cycles spent, one line per stage: the compute a stage took to find its best."
            );
            Figure(
                h,
                byTime,
                "minutes since the sweep started",
                "best-by-time",
                "Best validation accuracy so far against wall time, as results were recorded."
            );
        }
        if (d.Search?.Importance.Value is { } importance)
        {
            h.Append("<table id=\"importance\"><tr><th>parameter</th><th>GP lengthscale</th><th>importance</th></tr>");
            foreach (var p in importance.OrderByDescending(p => p.Share))
                h.Append(
                    $"<tr><td>{Esc(p.Key)}</td><td>{Readable.Number(p.Lengthscale)}</td>"
                        + $"<td>{p.Share.ToString("P0", CultureInfo.InvariantCulture)}</td></tr>"
                );
            h.Append(
                "</table><p>Importance from the lengthscales of a GP fitted to every result (1 / lengthscale, normalized): "
                    + "a parameter the accuracy changes quickly along has a short one. Main effects only.</p>"
            );
        }
    }

    private static DateTime? Ended(ReportTrial t) => t.Phase.IsFinal() ? t.Attempts.LastOrDefault()?.Ended : null;

    /// <summary>The best-so-far steps: (x, best full-budget accuracy up to there), from the first full-budget result on.</summary>
    private static IReadOnlyList<(double X, double Y)> Steps(
        IEnumerable<ReportTrial> trials,
        Func<ReportTrial, double> x,
        bool cumulative
    )
    {
        var points = new List<(double, double)>();
        var (spent, best) = (0.0, double.NegativeInfinity);
        foreach (var t in trials)
        {
            spent = cumulative ? spent + x(t) : x(t);
            if (t.Phase == TrialPhase.Completed && t.FullBudget && t.ValidationAccuracy is { } a && a > best)
                best = a;
            if (double.IsFinite(best))
                points.Add((spent, best));
        }
        return points;
    }

    private static void Figure(
        StringBuilder h,
        IReadOnlyList<(string Stage, IReadOnlyList<(double X, double Y)> Points)> lines,
        string xLabel,
        string cls,
        string caption
    )
    {
        var all = lines.SelectMany(l => l.Points).ToArray();
        if (all.Length == 0)
            return;
        var x = Axis.Covering(all.Select(p => p.X).Append(0), false, xLabel);
        var figure = new SvgFigure(
            640,
            320,
            x,
            Axis.Covering(all.Select(p => p.Y), false, "best validation accuracy"),
            cls
        );
        for (var i = 0; i < lines.Count; i++)
            if (lines[i].Points.Count > 0)
                figure.Line(
                    lines[i].Points,
                    SvgFigure.Palette[i % SvgFigure.Palette.Length],
                    2,
                    1,
                    "best-line",
                    $"{lines[i].Stage}: best {Readable.Number(lines[i].Points[^1].Y)} after {Readable.Number(lines[i].Points[^1].X)}"
                );
        var legend =
            "<span class=\"legend\">"
            + string.Concat(
                lines.Select(
                    (l, i) =>
                        "<span><i class=\"swatch\" "
                        + $"style=\"background:{SvgFigure.Palette[i % SvgFigure.Palette.Length]}\"></i>{Esc(l.Stage)}</span>"
                )
            )
            + "</span>";
        figure.AppendFigure(h, $"{Esc(caption)} {legend}");
    }

    private static string Esc(string text) => SvgFigure.Escape(text);
}
