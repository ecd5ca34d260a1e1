namespace Assignment3.Core.Training;

/// <summary>Cost (loss + regularization), loss and accuracy on the training subset and the validation set after a step.</summary>
public sealed record CurvePoint(
    int Step,
    double LearningRate,
    double TrainCost,
    double TrainLoss,
    double TrainAccuracy,
    double ValidationCost,
    double ValidationLoss,
    double ValidationAccuracy
);

/// <summary>How training ended: at its step, with a NaN or infinite cost, or cancelled (a group member told to stop; nothing to report).</summary>
public enum TrainingStatus
{
    Completed,
    Diverged,
    Cancelled,
}

/// <summary>
/// What a run produced. When it diverged, <see cref="DivergedAtStep"/> is the first step whose
/// cost was NaN or infinite, <see cref="FinalCost"/> that cost, and the accuracies are NaN.
/// </summary>
public sealed record TrainingResult(
    TrainingStatus Status,
    IReadOnlyList<CurvePoint> Curve,
    double TrainAccuracy,
    double ValidationAccuracy,
    double TestAccuracy,
    double FinalCost,
    int UpdateSteps,
    double Seconds,
    int? DivergedAtStep,
    double EvaluationSeconds
);

/// <summary>
/// Reported during training: update steps done, the latest mini-batch cost, any new curve point, and
/// the run's training seconds so far in this stretch (its share of a group's time).
/// </summary>
public sealed record TrainingProgress(
    int Step,
    int TotalSteps,
    double BatchCost,
    CurvePoint? Point,
    double Seconds = 0
);
