using System.Globalization;
using System.Text;
using Assignment3.Experiments.Objectives;
using Assignment3.Experiments.Search;
using Assignment3.Experiments.Sweeps;
using Assignment3.Experiments.Text;

namespace Assignment3.Storage.Report;

/// <summary>
/// A trial trained to its end, as the trade-off figures show it: its objectives' values, whether it meets the
/// constraints and is on its stage's front.
/// </summary>
public sealed record ParetoPoint(int Trial, string Stage, double[] Values, bool Feasible, bool OnFront);

/// <summary>
/// The sweep's trade-offs for the report (copied from the state on the aggregator's thread): every completed
/// trial's objectives, the fronts, and per stage the hypervolume of its front so far against the trial-cycles
/// spent (trials in id order).
/// </summary>
public sealed record ParetoReport(
    IReadOnlyList<ObjectiveSpec> Objectives,
    IReadOnlyList<string> Constraints,
    IReadOnlyList<ParetoPoint> Points,
    IReadOnlyList<SweepFolder.FrontTable> Fronts,
    IReadOnlyList<(string Stage, IReadOnlyList<(double X, double Y)> Hypervolume)> Progress
)
{
    /// <summary>Null for one plain objective (nothing to trade).</summary>
    public static ParetoReport? From(SweepState state, IReadOnlyList<SweepFolder.FrontTable> fronts)
    {
        var tradeOffs = state.Config.TradeOffs;
        if (tradeOffs.IsDefault)
            return null;
        var members = fronts
            .Where(f => f.Stage != SweepFolder.AllStages)
            .SelectMany(f => f.Members.Select(m => m.Trial))
            .ToHashSet();
        var points = state
            .Trials.Where(t => t.Phase == TrialPhase.Completed)
            .Select(t => new ParetoPoint(
                t.Id,
                t.Plan.Stage,
                tradeOffs.Objectives.Select(o => o.Metric.Of(t)).ToArray(),
                tradeOffs.Feasible(t),
                members.Contains(t.Id)
            ))
            .Where(p => p.Values.All(double.IsFinite))
            .ToArray();
        var progress = fronts
            .Where(f => f.Stage != SweepFolder.AllStages)
            .Select(f =>
            {
                var reference = f.Objectives.Select((o, k) => o.Loss(f.Reference[k])).ToArray();
                var series = new List<(double, double)>();
                var front = new List<IReadOnlyList<double>>();
                var spent = 0.0;
                foreach (var t in state.Trials.Where(t => t.Plan.Stage == f.Stage).OrderBy(t => t.Id))
                {
                    spent += (double)t.StepReached / t.Plan.Config.StepsPerCycle;
                    var values = tradeOffs.Objectives.Select(o => o.Metric.Of(t)).ToArray();
                    if (t.Phase != TrialPhase.Completed || !values.All(double.IsFinite) || !tradeOffs.Feasible(t))
                        continue;
                    var losses = tradeOffs.Objectives.Select((o, k) => o.Loss(values[k])).ToArray();
                    if (front.Any(p => Pareto.Dominates(p, losses)))
                        continue;
                    front.RemoveAll(p => Pareto.Dominates(losses, p));
                    front.Add(losses);
                    series.Add((spent, Pareto.Hypervolume(front, reference)));
                }
                return (f.Stage, (IReadOnlyList<(double X, double Y)>)series);
            })
            .ToArray();
        return new ParetoReport(
            tradeOffs.Objectives,
            tradeOffs.Constraints.Select(c => c.Text).ToArray(),
            points,
            fronts,
            progress
        );
    }
}

/// <summary>
/// The report's "Trade-offs": the first objective against each other one (every trial trained to its end: the
/// front filled, the rest hollow, those that break a constraint as grey triangles; for two objectives the
/// front's staircase drawn), the fronts' members, and each stage's hypervolume against the trial-cycles spent.
/// </summary>
public static class ParetoFigure
{
    public static void Append(StringBuilder h, ParetoReport? pareto)
    {
        if (pareto is null)
            return;
        var objectives = pareto.Objectives;
        h.Append("<h2 id=\"trade-offs\">Trade-offs</h2>");
        h.Append(
            $"<p>Objectives: {Esc(string.Join(", ", objectives))}"
                + (pareto.Constraints.Count > 0 ? $"; constraints: {Esc(string.Join("; ", pareto.Constraints))}" : "")
                + ". A front on seconds depends on the machine that trained it and is not reproducible.</p>"
        );
        if (pareto.Points.Count == 0)
        {
            h.Append("<p>No trial has been trained to its end yet.</p>");
            return;
        }
        for (var k = 1; k < objectives.Count; k++)
            Scatter(h, pareto, k);
        var stageFronts = pareto.Fronts.Count(f => f.Stage != SweepFolder.AllStages);
        foreach (var front in pareto.Fronts.Where(f => f.Stage != SweepFolder.AllStages || stageFronts > 1))
            h.Append(
                $"<p class=\"front\">{Esc(front.Stage == SweepFolder.AllStages ? "All stages" : $"Stage {front.Stage}")}: "
                    + $"{front.Members.Count} on the front of {front.Feasible} feasible"
                    + (front.Infeasible > 0 ? $" ({front.Infeasible} break a constraint)" : "")
                    + $"; hypervolume {Readable.Number(front.Hypervolume)}; trials {Esc(string.Join(", ", front.Members.Select(m => m.Trial)))}</p>"
            );
        var lines = pareto.Progress.Where(p => p.Hypervolume.Count > 0).ToArray();
        if (lines.Length == 0)
            return;
        var all = lines.SelectMany(l => l.Hypervolume).ToArray();
        var figure = new SvgFigure(
            640,
            320,
            Axis.Covering(all.Select(p => p.X).Append(0), false, "trial-cycles spent (trials in id order)"),
            Axis.Covering(all.Select(p => p.Y).Append(0), false, "hypervolume of the front"),
            "hypervolume-by-cycles"
        );
        for (var i = 0; i < lines.Length; i++)
        {
            // A step function: the hypervolume holds until the next trial that improves it.
            var steps = lines[i]
                .Hypervolume.SelectMany((p, j) => j == 0 ? new[] { p } : [(p.X, lines[i].Hypervolume[j - 1].Y), p]);
            var (cycles, volume) = lines[i].Hypervolume[^1];
            figure.Line(
                steps,
                SvgFigure.Palette[i % SvgFigure.Palette.Length],
                2,
                1,
                "hypervolume-line",
                $"{lines[i].Stage}: hypervolume {Readable.Number(volume)} after {Readable.Number(cycles)} trial-cycles"
            );
        }
        figure.AppendFigure(
            h,
            "The hypervolume of each stage's front (feasible trials trained to their end) "
                + "against the training cycles spent, in the searches' units (accuracies as they are, counts in log10)."
        );
    }

    private static void Scatter(StringBuilder h, ParetoReport pareto, int k)
    {
        var (first, other) = (pareto.Objectives[0], pareto.Objectives[k]);
        var points = pareto.Points;
        var x = Axis.Covering(points.Select(p => p.Values[0]), first.Metric.IsCount, first.ToString());
        var y = Axis.Covering(points.Select(p => p.Values[k]), other.Metric.IsCount, other.ToString());
        var figure = new SvgFigure(640, 400, x, y, "pareto");
        var stages = points.Select(p => p.Stage).Distinct().ToList();
        if (pareto.Objectives.Count == 2)
            foreach (var stage in stages)
            {
                var members = points.Where(p => p.OnFront && p.Stage == stage).OrderBy(p => p.Values[0]).ToArray();
                // The staircase: between two members, the region the front dominates ends at the worse one's value.
                var stairs = members.SelectMany(
                    (p, j) =>
                        j == 0
                            ? new[] { (p.Values[0], p.Values[1]) }
                            : [Corner(first, other, members[j - 1], p), (p.Values[0], p.Values[1])]
                );
                figure.Line(stairs, Colour(stages, stage), 1.5, 0.8, "front-line", $"{stage}: the front");
            }
        foreach (var p in points.OrderBy(p => p.OnFront))
        {
            var text =
                $"trial {p.Trial} ({p.Stage}): {first.Metric.Name} {Readable.Number(p.Values[0])}, {other.Metric.Name} {Readable.Number(p.Values[k])}"
                + (
                    p.Feasible
                        ? p.OnFront
                            ? ", on the front"
                            : ""
                        : ", breaks a constraint"
                );
            if (p.Feasible)
                figure.Point(
                    p.Values[0],
                    p.Values[k],
                    Colour(stages, p.Stage),
                    0,
                    p.OnFront,
                    p.OnFront ? "front" : "dominated",
                    text,
                    $"data-trial=\"{p.Trial}\""
                );
            else
                figure.Point(
                    p.Values[0],
                    p.Values[k],
                    "#767676",
                    2,
                    false,
                    "infeasible",
                    text,
                    $"data-trial=\"{p.Trial}\""
                );
        }
        figure.AppendFigure(
            h,
            $"{Esc(other.ToString())} against {Esc(first.ToString())}, every trial trained to its end: "
                + "filled, on its stage's front; hollow, dominated; grey triangles break a constraint."
        );
    }

    /// <summary>The staircase's corner between two neighbouring members: the worse of the two in each objective.</summary>
    private static (double, double) Corner(ObjectiveSpec first, ObjectiveSpec other, ParetoPoint a, ParetoPoint b) =>
        (
            first.Better(a.Values[0], b.Values[0]) ? b.Values[0] : a.Values[0],
            other.Better(a.Values[1], b.Values[1]) ? b.Values[1] : a.Values[1]
        );

    private static string Colour(List<string> stages, string stage) =>
        SvgFigure.Palette[stages.IndexOf(stage) % SvgFigure.Palette.Length];

    private static string Esc(string text) => SvgFigure.Escape(text);
}
