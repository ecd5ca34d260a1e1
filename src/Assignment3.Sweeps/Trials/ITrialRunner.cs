using Assignment3.Core.Training;
using Assignment3.Sweeps.Protocol;

namespace Assignment3.Sweeps.Trials;

/// <summary>What a worker needs from training: run one trial, reporting recording points as they come.</summary>
public interface ITrialRunner
{
    /// <summary>Runs on a dedicated thread, never on an actor's. Exceptions become failed outcomes.</summary>
    TrialOutcome Run(AssignTrial trial, Action<CurvePoint> onPoint, CancellationToken cancellation);
}
