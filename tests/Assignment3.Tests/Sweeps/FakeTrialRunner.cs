using Assignment3.Core.Training;
using Assignment3.Experiments.Sweeps;
using Assignment3.Sweeps.Protocol;
using Assignment3.Sweeps.Trials;

namespace Assignment3.Tests.Sweeps;

/// <summary>
/// Returns at once (or when released, or after <paramref name="duration"/> of pretend training) with a
/// validation accuracy that is a fixed function of the trial's config, so tables are predictable and
/// independent of who ran the trial. It reports its one recording point at the end.
/// </summary>
public sealed class FakeTrialRunner(Func<AssignTrial, Exception?>? failWith = null, SemaphoreSlim? gate = null, TimeSpan? duration = null) : ITrialRunner
{
    private int runs;

    public int Runs => Volatile.Read(ref runs);

    public static double Accuracy(TrainingConfig c) =>
        Math.Round(0.5 - Math.Abs(Math.Log10(c.Lambda) + 3) * 0.01 + (c.BatchNorm ? 0.02 : 0) + c.Cycles * 0.001, 6);

    public TrialOutcome Run(AssignTrial trial, Action<CurvePoint> onPoint, CancellationToken cancellation)
    {
        Interlocked.Increment(ref runs);
        gate?.Wait(cancellation);
        if (duration is { } d) cancellation.WaitHandle.WaitOne(d);
        cancellation.ThrowIfCancellationRequested();
        if (failWith?.Invoke(trial) is { } error) throw error;
        var accuracy = Accuracy(trial.Config);
        var point = new CurvePoint(trial.Config.TotalSteps, trial.Config.EtaMin, 1.5, 1.4, accuracy + 0.05, 1.6, 1.5, accuracy);
        onPoint(point);
        return new TrialOutcome(TrialStatus.Completed, accuracy, trial.TestAccuracy ? accuracy - 0.01 : double.NaN, accuracy + 0.05,
            1.5, trial.Config.TotalSteps, 0.01, null, null, [point]);
    }
}
