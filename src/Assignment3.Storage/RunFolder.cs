using Assignment3.Core.Training;
using Assignment3.Experiments.Text;

namespace Assignment3.Storage;

/// <summary>
/// Writes what a training run leaves on disk: config.conf (resolved), curves.csv, cost/loss/accuracy
/// PNGs and metrics.json. An experiment with several runs gets one subfolder per run, plus
/// summary.csv, summary.md and the runs' curves plotted together.
/// </summary>
public static class RunFolder
{
    public static readonly string[] CurveColumns =
    [
        "step",
        "learningRate",
        "trainCost",
        "trainLoss",
        "trainAccuracy",
        "validationCost",
        "validationLoss",
        "validationAccuracy",
    ];

    public static void WriteConfig(string folder, string hocon)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.conf"), hocon);
    }

    public static void WriteRun(string folder, string title, RunMetrics metrics, IReadOnlyList<CurvePoint> curve)
    {
        Directory.CreateDirectory(folder);
        Csv.Write(
            Path.Combine(folder, "curves.csv"),
            CurveColumns,
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
        File.WriteAllText(Path.Combine(folder, "metrics.json"), Json.Serialize(metrics));
        LearningCurvePlots.WriteRun(folder, title, curve);
    }

    public static void WriteSummary(
        string folder,
        string title,
        IReadOnlyList<(RunMetrics Metrics, IReadOnlyList<CurvePoint> Curve)> runs
    )
    {
        Directory.CreateDirectory(folder);
        string[] header =
        [
            "run",
            "status",
            "testAccuracy",
            "validationAccuracy",
            "trainAccuracy",
            "finalCost",
            "updateSteps",
            "seconds",
        ];
        Csv.Write(
            Path.Combine(folder, "summary.csv"),
            header,
            runs.Select(r =>
                new object?[]
                {
                    r.Metrics.Name,
                    r.Metrics.Status.ToString().ToLowerInvariant(),
                    r.Metrics.TestAccuracy,
                    r.Metrics.ValidationAccuracy,
                    r.Metrics.TrainAccuracy,
                    r.Metrics.FinalCost,
                    r.Metrics.UpdateSteps,
                    r.Metrics.Seconds,
                }
            )
        );
        File.WriteAllText(
            Path.Combine(folder, "summary.md"),
            MarkdownTable.Render(
                ["Run", "Status", "Test acc", "Validation acc", "Train acc", "Final cost", "Seconds"],
                runs.Select(r =>
                    new[]
                    {
                        r.Metrics.Name,
                        r.Metrics.Status.ToString().ToLowerInvariant(),
                        Readable.Number(r.Metrics.TestAccuracy),
                        Readable.Number(r.Metrics.ValidationAccuracy),
                        Readable.Number(r.Metrics.TrainAccuracy),
                        Readable.Number(r.Metrics.FinalCost),
                        Readable.Number(r.Metrics.Seconds),
                    }
                )
            )
        );
        LearningCurvePlots.WriteComparison(folder, title, runs.Select(r => (r.Metrics.Name, r.Curve)).ToArray());
    }
}
