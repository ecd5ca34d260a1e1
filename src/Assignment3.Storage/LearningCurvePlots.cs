using Assignment3.Core.Training;
using ScottPlot;

namespace Assignment3.Storage;

/// <summary>The report's figures: cost, loss and accuracy against update steps, training vs validation.</summary>
public static class LearningCurvePlots
{
    public static readonly (
        string File,
        string Title,
        Func<CurvePoint, double> Train,
        Func<CurvePoint, double> Validation
    )[] Quantities =
    [
        ("cost.png", "Cost", p => p.TrainCost, p => p.ValidationCost),
        ("loss.png", "Loss", p => p.TrainLoss, p => p.ValidationLoss),
        ("accuracy.png", "Accuracy", p => p.TrainAccuracy, p => p.ValidationAccuracy),
    ];

    /// <summary>One run: training and validation curves of each quantity, one PNG each.</summary>
    public static void WriteRun(string folder, string title, IReadOnlyList<CurvePoint> curve)
    {
        foreach (var (file, quantity, train, validation) in Quantities)
        {
            var plot = NewPlot($"{quantity}: {title}", quantity);
            AddLine(plot, curve, train, "training", LinePattern.Solid, Colors.C0);
            AddLine(plot, curve, validation, "validation", LinePattern.Solid, Colors.C1);
            plot.ShowLegend(Alignment.UpperRight);
            plot.SavePng(Path.Combine(folder, file), 900, 560);
        }
    }

    /// <summary>Several runs together (one colour each; solid training, dashed validation).</summary>
    public static void WriteComparison(
        string folder,
        string title,
        IReadOnlyList<(string Name, IReadOnlyList<CurvePoint> Curve)> runs
    )
    {
        foreach (var (file, quantity, train, validation) in Quantities)
        {
            var plot = NewPlot($"{quantity}: {title}", quantity);
            for (var i = 0; i < runs.Count; i++)
            {
                var colour = Colors.Category10[i % Colors.Category10.Length];
                AddLine(plot, runs[i].Curve, train, $"{runs[i].Name} (training)", LinePattern.Solid, colour);
                AddLine(plot, runs[i].Curve, validation, $"{runs[i].Name} (validation)", LinePattern.Dashed, colour);
            }
            // Outside the plot area: with many runs an inner legend hides curves.
            plot.ShowLegend(Edge.Right);
            plot.SavePng(Path.Combine(folder, file), 1300, 600);
        }
    }

    private static Plot NewPlot(string title, string quantity)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("update step");
        plot.YLabel(quantity.ToLowerInvariant());
        return plot;
    }

    private static void AddLine(
        Plot plot,
        IReadOnlyList<CurvePoint> curve,
        Func<CurvePoint, double> value,
        string label,
        LinePattern pattern,
        Color colour
    )
    {
        var points = curve.Where(p => double.IsFinite(value(p))).ToArray();
        if (points.Length == 0)
            return;
        var line = plot.Add.Scatter(
            points.Select(p => (double)p.Step).ToArray(),
            points.Select(value).ToArray(),
            colour
        );
        line.LegendText = label;
        line.LinePattern = pattern;
        line.MarkerSize = 4;
    }
}
