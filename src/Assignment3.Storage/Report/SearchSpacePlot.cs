using Assignment3.Experiments.Text;
using ScottPlot;

namespace Assignment3.Storage.Report;

/// <summary>
/// plots/search-space.png: the report's first figure as a picture: validation accuracy against the
/// first swept numeric parameter (log axis where it is log-scaled), one line per value of the
/// categorical parameters (e.g. batch norm on and off); hollow markers for trials stopped early.
/// </summary>
public static class SearchSpacePlot
{
    public const string FileName = "search-space.png";

    public static void Write(string folder, ReportData data)
    {
        if (SweepReport.FirstSearchSpace(data) is not { } space || space.Points.Count == 0)
            return;
        double X(double v) => space.Log ? Math.Log10(v) : v;
        var plot = new Plot();
        plot.Title($"{data.Name}: validation accuracy against {space.Key}");
        plot.XLabel(space.Key + (space.Log ? " (log scale)" : ""));
        plot.YLabel("validation accuracy");
        var series = space.Points.Select(p => p.Series).Distinct().ToArray();
        for (var i = 0; i < series.Length; i++)
        {
            var colour = Color.FromHex(SvgFigure.Palette[i % SvgFigure.Palette.Length]);
            // The line joins each value's best full-budget result; every trial is a marker.
            var best = space
                .Points.Where(p => p.Series == series[i] && p.FullBudget)
                .GroupBy(p => p.X)
                .Select(g => (X: g.Key, Y: g.Max(p => p.Accuracy)))
                .OrderBy(p => p.X)
                .ToArray();
            if (best.Length > 0)
            {
                var line = plot.Add.Scatter(
                    best.Select(p => X(p.X)).ToArray(),
                    best.Select(p => p.Y).ToArray(),
                    colour
                );
                line.LegendText = series[i];
                line.MarkerSize = 0;
                line.LineWidth = 2;
            }
            foreach (var filled in new[] { true, false })
            {
                var points = space.Points.Where(p => p.Series == series[i] && p.FullBudget == filled).ToArray();
                if (points.Length == 0)
                    continue;
                var markers = plot.Add.ScatterPoints(
                    points.Select(p => X(p.X)).ToArray(),
                    points.Select(p => p.Accuracy).ToArray(),
                    colour
                );
                markers.MarkerShape = filled ? MarkerShape.FilledCircle : MarkerShape.OpenCircle;
                markers.MarkerSize = 8;
                if (best.Length == 0 && filled)
                    markers.LegendText = series[i];
            }
        }
        if (space.Log)
        {
            var (lo, hi) = (space.Points.Min(p => Math.Log10(p.X)), space.Points.Max(p => Math.Log10(p.X)));
            var ticks = new ScottPlot.TickGenerators.NumericManual();
            for (var e = (int)Math.Floor(lo); e <= (int)Math.Ceiling(hi); e++)
                ticks.AddMajor(e, Readable.Number(Math.Pow(10, e)));
            plot.Axes.Bottom.TickGenerator = ticks;
        }
        plot.ShowLegend(Edge.Right);
        var plots = Path.Combine(folder, "plots");
        Directory.CreateDirectory(plots);
        plot.SavePng(Path.Combine(plots, FileName), 1000, 560);
    }
}
