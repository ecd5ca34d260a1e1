using System.Diagnostics;
using Assignment3.Core.Training;
using Assignment3.Experiments.Sweeps;
using Assignment3.Sweeps.Protocol;
using Assignment3.Sweeps.Trials;

namespace Assignment3.Tests.Sweeps;

/// <summary>
/// Returns at once (or when released, or after <paramref name="delay"/> of pretend training per
/// hand-out) with a validation accuracy that is a fixed function of the trial's config and step, so
/// tables are predictable and independent of who ran the trial. It reports every recording point of
/// the hand-out, sends checkpoints as a real runner does (the checkpoint is the step, as text), and
/// goes on only from a checkpoint of the step it was sent from.
/// </summary>
/// A group's trials run one after another; <paramref name="capacity"/> is the group size it offers.
public sealed class FakeTrialRunner(
    Func<AssignTrial, Exception?>? failWith = null,
    SemaphoreSlim? gate = null,
    Func<AssignTrial, TimeSpan>? delay = null,
    int capacity = 1
) : ITrialRunner
{
    private int runs;

    public int Runs => Volatile.Read(ref runs);

    public int Capacity => capacity;

    public void Run(IReadOnlyList<GroupTrial> group) => TrialRunners.OneAfterAnother(group, Run);

    /// <summary>The accuracy at the trial's last step.</summary>
    public static double Accuracy(TrainingConfig c) =>
        Math.Round(
            0.5
                - Math.Abs(Math.Log10(c.Lambda) + 3) * 0.01
                - Math.Abs(Math.Log10(c.EtaMax) + 1) * 0.005
                + (c.BatchNorm ? 0.02 : 0)
                + c.Cycles * 0.001,
            6
        );

    /// <summary>The accuracy after <paramref name="step"/> steps: rising to <see cref="Accuracy"/> at the last step.</summary>
    public static double AccuracyAt(TrainingConfig c, int step) =>
        Math.Round(Accuracy(c) - 0.1 * (1 - (double)step / c.TotalSteps), 6);

    private RunResult Run(
        AssignTrial trial,
        Action<CurvePoint> onPoint,
        Action<TrialCheckpoint> onCheckpoint,
        CancellationToken cancellation
    )
    {
        Interlocked.Increment(ref runs);
        var clock = Stopwatch.StartNew();
        var from = trial.Checkpoint is null ? 0 : int.Parse(System.Text.Encoding.UTF8.GetString(trial.Checkpoint));
        if (from != trial.FromStep)
            throw new CheckpointException($"sent from step {trial.FromStep} with a checkpoint of step {from}");
        gate?.Wait(cancellation);
        if (delay?.Invoke(trial) is { } d)
            cancellation.WaitHandle.WaitOne(d);
        cancellation.ThrowIfCancellationRequested();
        if (failWith?.Invoke(trial) is { } error)
            throw error;
        var c = trial.Config;
        var points = new List<CurvePoint>();
        var (checkpointStep, checkpointAt) = (from, TimeSpan.Zero);
        foreach (var step in c.RecordingSteps().Where(s => s > from && s <= trial.EndStep))
        {
            var accuracy = AccuracyAt(c, step);
            var point = new CurvePoint(step, c.EtaMin, 1.5, 1.4, accuracy + 0.05, 1.6, 1.5, accuracy);
            points.Add(point);
            onPoint(point);
            if (
                step < trial.EndStep
                && step - checkpointStep >= trial.CheckpointEvery
                && (clock.Elapsed - checkpointAt).TotalSeconds >= trial.CheckpointSeconds
            )
            {
                onCheckpoint(new TrialCheckpoint(step, Checkpoint(step), points.ToArray(), clock.Elapsed.TotalSeconds));
                (checkpointStep, checkpointAt) = (step, clock.Elapsed);
            }
        }
        var end = AccuracyAt(c, trial.EndStep);
        var final = trial.EndStep == c.TotalSteps;
        return new RunResult(
            new TrialOutcome(
                TrialStatus.Completed,
                end,
                trial.TestAccuracy && final ? end - 0.01 : double.NaN,
                end + 0.05,
                1.5,
                trial.EndStep,
                0.01,
                null,
                null,
                points.ToArray()
            ),
            final ? null : Checkpoint(trial.EndStep)
        );
    }

    public static byte[] Checkpoint(int step) => System.Text.Encoding.UTF8.GetBytes(step.ToString());
}
