using Assignment3.Core.Data;
using Assignment3.Core.Training;
using Assignment3.Experiments.Sweeps;
using Assignment3.Sweeps.Protocol;

namespace Assignment3.Sweeps.Trials;

/// <summary>A checkpoint of a running hand-out: its step, the blob, the hand-out's recording points so far and its seconds.</summary>
public sealed record TrialCheckpoint(int Step, byte[] Bytes, CurvePoint[] Points, double Seconds);

/// <summary>How a hand-out ended: the outcome (its curve and seconds this hand-out's), and the checkpoint when it stopped short of the last step.</summary>
public sealed record RunResult(TrialOutcome Outcome, byte[]? Checkpoint = null);

/// <summary>What a worker needs from training: run one hand-out of a trial, reporting recording points and checkpoints as they come.</summary>
public interface ITrialRunner
{
    /// <summary>
    /// Trains <paramref name="trial"/> from its FromStep (its checkpoint) to its EndStep. Runs on a
    /// dedicated thread, never on an actor's. Exceptions become failed outcomes.
    /// </summary>
    RunResult Run(AssignTrial trial, Action<CurvePoint> onPoint, Action<TrialCheckpoint> onCheckpoint, CancellationToken cancellation);
}

/// <summary>A node's data for a sweep, loaded: its fingerprint and a runner that trains on it.</summary>
public sealed record PreparedRunner(string Fingerprint, ITrialRunner Runner);

/// <summary>
/// Loads the data a sweep names (the coordinator says which split) and gives a runner for it. A node
/// keeps what it loaded for the next sweep with the same options.
/// </summary>
public interface ITrialRunnerSource
{
    Task<PreparedRunner> PrepareAsync(DataOptions options, CancellationToken cancellation);
}

/// <summary>One runner whatever the options (tests, benchmarks).</summary>
public sealed class FixedRunnerSource(string fingerprint, ITrialRunner runner) : ITrialRunnerSource
{
    public Task<PreparedRunner> PrepareAsync(DataOptions options, CancellationToken cancellation) =>
        Task.FromResult(new PreparedRunner(fingerprint, runner));
}
