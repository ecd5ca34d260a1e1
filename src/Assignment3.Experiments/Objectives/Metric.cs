using Assignment3.Core.Benchmarks;
using Assignment3.Core.Data;
using Assignment3.Core.Training;
using Assignment3.Experiments.Sweeps;

namespace Assignment3.Experiments.Objectives;

/// <summary>
/// A figure of a trial that a sweep may optimize (<see cref="ObjectiveSpec"/>) or bound (<see cref="ConstraintSpec"/>).
/// Accuracies come from training; parameters and training-flops from the trial's config alone (known before it
/// trains); seconds from the machine that trained it (not reproducible).
/// </summary>
public sealed class Metric
{
    private readonly Func<Trial, double> measured;
    private readonly Func<Trial, int, double>? atStep;

    private Metric(
        string name,
        bool knownBeforeTraining,
        bool isCount,
        Func<Trial, double> measured,
        Func<Trial, int, double>? atStep
    )
    {
        Name = name;
        KnownBeforeTraining = knownBeforeTraining;
        IsCount = isCount;
        this.measured = measured;
        this.atStep = atStep;
    }

    public string Name { get; }

    /// <summary>Whether the trial's config alone gives it: a constraint on it never reaches a worker.</summary>
    public bool KnownBeforeTraining { get; }

    /// <summary>A count spanning orders of magnitude (parameters, multiply-adds, seconds): models see its log10.</summary>
    public bool IsCount { get; }

    public static readonly Metric ValidationAccuracy = new(
        "validation-accuracy",
        false,
        false,
        t => Accuracy(t, o => o.ValidationAccuracy),
        (t, step) => AccuracyAt(t, step, p => p.ValidationAccuracy)
    );
    public static readonly Metric TestAccuracy = new(
        "test-accuracy",
        false,
        false,
        t => Accuracy(t, o => o.TestAccuracy),
        null
    );
    public static readonly Metric TrainAccuracy = new(
        "train-accuracy",
        false,
        false,
        t => Accuracy(t, o => o.TrainAccuracy),
        (t, step) => AccuracyAt(t, step, p => p.TrainAccuracy)
    );
    public static readonly Metric Parameters = new(
        "parameters",
        true,
        true,
        t => ParametersOf(t.Plan.Config),
        (t, _) => ParametersOf(t.Plan.Config)
    );
    public static readonly Metric TrainingFlops = new(
        "training-flops",
        true,
        true,
        t => TrainingFlopsOf(t.Plan.Config),
        (t, _) => TrainingFlopsOf(t.Plan.Config)
    );
    public static readonly Metric Seconds = new("seconds", false, true, t => t.Seconds, null);

    public static readonly IReadOnlyList<Metric> All =
    [
        ValidationAccuracy,
        TestAccuracy,
        TrainAccuracy,
        Parameters,
        TrainingFlops,
        Seconds,
    ];

    public static Metric? Named(string name) => All.FirstOrDefault(m => m.Name == name);

    /// <summary>The trial's value: NaN when it has none (failed, or the figure was not measured).</summary>
    public double Of(Trial trial) => measured(trial);

    /// <summary>
    /// The trial's value after <paramref name="step"/> steps (a rung of early stopping): the accuracies its recording
    /// points keep, what the config gives; NaN when it has none there. Not test accuracy (measured only at the end)
    /// nor seconds (the machine's): the config refuses them under early stopping.
    /// </summary>
    public double At(Trial trial, int step) =>
        atStep?.Invoke(trial, step) ?? throw new InvalidOperationException($"{Name} is known only at a trial's end");

    /// <summary>The value from the config alone (only for metrics <see cref="KnownBeforeTraining"/>).</summary>
    public double Before(TrainingConfig config) =>
        this == Parameters ? ParametersOf(config)
        : this == TrainingFlops ? TrainingFlopsOf(config)
        : throw new InvalidOperationException($"{Name} is known only after training");

    /// <summary>Weights, biases and batch-norm scales and shifts of the network on CIFAR-10's inputs.</summary>
    public static double ParametersOf(TrainingConfig config) => config.ParameterCount(Cifar10Format.Pixels);

    /// <summary>
    /// Multiply-adds of the whole training: the products of one update step (forward, weight gradient and, above
    /// the first layer, input gradient; <see cref="StepBenchmark.GemmsOfStep"/>) times the steps.
    /// </summary>
    public static double TrainingFlopsOf(TrainingConfig config) =>
        StepBenchmark.FlopsPerStep(config.NetworkSpec(Cifar10Format.Pixels, Cifar10Format.Classes), config.BatchSize)
        / 2
        * config.TotalSteps;

    /// <summary>An accuracy of a completed or stopped trial; chance for a diverged one; NaN otherwise.</summary>
    private static double Accuracy(Trial trial, Func<TrialOutcome, double> of) =>
        trial.Phase switch
        {
            TrialPhase.Completed or TrialPhase.Stopped when trial.Outcome is { } outcome => of(outcome),
            TrialPhase.Diverged => 1.0 / Cifar10Format.Classes,
            _ => double.NaN,
        };

    /// <summary>An accuracy at a recording point (a rung's step); chance for a diverged trial; NaN when it has none there.</summary>
    private static double AccuracyAt(Trial trial, int step, Func<CurvePoint, double> of) =>
        trial.Phase == TrialPhase.Diverged ? 1.0 / Cifar10Format.Classes
        : trial.Curve.FirstOrDefault(p => p.Step == step) is { } point ? of(point)
        : double.NaN;

    public override string ToString() => Name;
}
