using Assignment3.Core.Data;
using Assignment3.Core.Training;
using Assignment3.Experiments.Sweeps;
using Assignment3.Sweeps.Protocol;

namespace Assignment3.Sweeps.Trials;

/// <summary>
/// A checkpoint of a running hand-out: its step, the blob, the hand-out's recording points so far and
/// its seconds; <paramref name="Released"/>: the hand-out ended there, released from its group.
/// </summary>
public sealed record TrialCheckpoint(
    int Step,
    byte[] Bytes,
    CurvePoint[] Points,
    double Seconds,
    bool Released = false
);

/// <summary>How a hand-out ended: the outcome (its curve and seconds this hand-out's), and the checkpoint when it stopped short of the last step.</summary>
public sealed record RunResult(TrialOutcome Outcome, byte[]? Checkpoint = null);

/// <summary>One trial of a group hand-out, with its own reporting and its own cancellation.</summary>
/// <param name="OnFinished">
/// Told how the hand-out ended (once, as soon as the trial leaves the group); not for a cancelled or released trial.
/// </param>
/// <param name="Release">
/// Asks the trial to leave its group at its next recording point before its end, with a checkpoint
/// there (<see cref="TrialCheckpoint.Released"/>) and nothing after it; a runner that cannot trains it on.
/// </param>
public sealed record GroupTrial(
    AssignTrial Trial,
    Action<CurvePoint> OnPoint,
    Action<TrialCheckpoint> OnCheckpoint,
    Action<RunResult> OnFinished,
    CancellationToken Cancellation,
    CancellationToken Release = default
);

/// <summary>
/// What a worker needs from training: run one hand-out of a group of trials (due from the same step,
/// on the same mini-batches), reporting each trial's recording points, checkpoints and end as they come.
/// </summary>
public interface ITrialRunner
{
    /// <summary>
    /// Trains each trial from its FromStep (its checkpoint) to its EndStep. Runs on a dedicated
    /// thread, never on an actor's. A trial's exception ends that trial, failed; the others go on.
    /// </summary>
    void Run(IReadOnlyList<GroupTrial> group);

    /// <summary>How many trials a slot trains together at best on this node (the cap of sweep.group-size = auto).</summary>
    int Capacity { get; }
}

/// <summary>Helpers for runners.</summary>
public static class TrialRunners
{
    /// <summary>
    /// A group's trials one after another, for runners that train nothing together: each one's
    /// exception becomes its failure, a cancelled one ends without a result.
    /// </summary>
    public static void OneAfterAnother(
        IReadOnlyList<GroupTrial> group,
        Func<AssignTrial, Action<CurvePoint>, Action<TrialCheckpoint>, CancellationToken, RunResult> run
    )
    {
        foreach (var member in group)
        {
            try
            {
                member.OnFinished(run(member.Trial, member.OnPoint, member.OnCheckpoint, member.Cancellation));
            }
            catch (OperationCanceledException) when (member.Cancellation.IsCancellationRequested) { }
            catch (Exception e)
            {
                member.OnFinished(Failure(e));
            }
        }
    }

    /// <summary>A hand-out that ended with an exception.</summary>
    public static RunResult Failure(Exception e) => new(TrialOutcome.Failure($"{e.GetType().Name}: {e.Message}"));
}

/// <summary>A node's data for a sweep, loaded: its fingerprint and a runner that trains on it.</summary>
public sealed record PreparedRunner(string Fingerprint, ITrialRunner Runner);

/// <summary>
/// Loads the data a sweep names (the coordinator says which split) and gives a runner for it. A node
/// keeps what it loaded for the next sweep with the same options.
/// </summary>
public interface ITrialRunnerSource
{
    /// <param name="measureCapacity">Whether the sweep sizes its groups itself (sweep.group-size = auto), so the runner's capacity is wanted.</param>
    Task<PreparedRunner> PrepareAsync(DataOptions options, bool measureCapacity, CancellationToken cancellation);
}

/// <summary>One runner whatever the options (tests, benchmarks).</summary>
public sealed class FixedRunnerSource(string fingerprint, ITrialRunner runner) : ITrialRunnerSource
{
    public Task<PreparedRunner> PrepareAsync(
        DataOptions options,
        bool measureCapacity,
        CancellationToken cancellation
    ) => Task.FromResult(new PreparedRunner(fingerprint, runner));
}
