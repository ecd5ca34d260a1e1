using Assignment3.Core.Training;

namespace Assignment3.Storage;

/// <summary>What metrics.json holds for one training run (the status written in lower case, as every enum there).</summary>
public sealed record RunMetrics(
    string Name,
    TrainingStatus Status,
    double TestAccuracy,
    double ValidationAccuracy,
    double TrainAccuracy,
    double FinalCost,
    int UpdateSteps,
    double Seconds,
    int? DivergedAtStep
)
{
    public static RunMetrics From(string name, TrainingResult result) =>
        new(
            name,
            result.Status,
            result.TestAccuracy,
            result.ValidationAccuracy,
            result.TrainAccuracy,
            result.FinalCost,
            result.UpdateSteps,
            Math.Round(result.Seconds, 3),
            result.DivergedAtStep
        );
}
