using Assignment3.Core.Network;

namespace Assignment3.Core.Training;

/// <summary>
/// Everything a training run depends on besides the data. Defaults are the report's recipe:
/// batch 100, eta 1e-5 to 1e-1, n_s 2,250 (5 * 45,000 / 100), 2 cycles, lambda 0.005, He init.
/// </summary>
public sealed record TrainingConfig
{
    /// <summary>Hidden layer widths; always stored as a plain array (it crosses the network in sweeps).</summary>
    public IReadOnlyList<int> Hidden
    {
        get => hidden;
        init => hidden = value.ToArray();
    }
    private readonly int[] hidden = [50, 50];
    public bool BatchNorm { get; init; } = true;
    public Initialization Init { get; init; } = Initialization.He;
    public double BatchNormAlpha { get; init; } = 0.9;
    public double Lambda { get; init; } = 0.005;
    public int BatchSize { get; init; } = 100;
    public double EtaMin { get; init; } = 1e-5;
    public double EtaMax { get; init; } = 1e-1;
    public int StepSize { get; init; } = 2250;
    public int Cycles { get; init; } = 2;
    public int PointsPerCycle { get; init; } = 10;
    public int Seed { get; init; } = 1;

    /// <summary>
    /// The seed of the mini-batch order (each epoch's permutation); null: <see cref="Seed"/>. Runs with
    /// the same order, batch size and data see the same mini-batch at every step, so a group can
    /// train them together (<see cref="TrainingGroup"/>).
    /// </summary>
    public int? DataOrderSeed { get; init; }

    /// <summary>The seed each epoch's order is drawn from.</summary>
    public int OrderSeed => DataOrderSeed ?? Seed;

    /// <summary>Training images used for the training-set curves (a fixed random subset); 0 means all.</summary>
    public int TrainEvalSubset { get; init; } = 5000;

    /// <summary>Most update steps a run may take (about a day of training at 1 ms a step).</summary>
    public const long MaxTotalSteps = 100_000_000;

    /// <summary>Most recording points (evaluations of the training subset and validation set) a run may have.</summary>
    public const int MaxRecordingPoints = 10_000;

    /// <summary>Most parameters a network may have (a 40 MB checkpoint; every node holds one per slot).</summary>
    public const long MaxParameters = 10_000_000;

    /// <summary>Update steps in one cycle of the learning rate (up, then down): 2 n_s.</summary>
    public int StepsPerCycle => checked(2 * StepSize);

    public int TotalSteps => checked(StepsPerCycle * Cycles);

    /// <summary>Weights, biases and batch-norm scales and shifts of the network on inputs of <paramref name="inputSize"/>.</summary>
    public long ParameterCount(int inputSize)
    {
        long total = 0,
            fanIn = inputSize;
        foreach (var width in Hidden)
        {
            total += (fanIn + (BatchNorm ? 3 : 1)) * width;
            fanIn = width;
        }
        return total + (fanIn + 1) * Data.Cifar10Format.Classes;
    }

    public NetworkSpec NetworkSpec(int inputSize, int classes) =>
        new(inputSize, Hidden, classes, BatchNorm, Init, BatchNormAlpha);

    public CyclicalLearningRate Schedule => new(EtaMin, EtaMax, StepSize);

    /// <summary>Steps after which the curves are recorded: PointsPerCycle evenly spaced points per cycle.</summary>
    public IReadOnlyList<int> RecordingSteps()
    {
        var points = PointsPerCycle * Cycles;
        return Enumerable.Range(1, points).Select(k => (int)((long)k * TotalSteps / points)).Distinct().ToArray();
    }

    /// <summary>Throws with the offending setting's name when a value is out of range.</summary>
    public void Validate()
    {
        if (Hidden.Count == 0)
            throw new ArgumentException(
                "hidden: at least one hidden layer is needed (a k-layer network has k-1 hidden layers)"
            );
        if (Hidden.Any(h => h < 1))
            throw new ArgumentException($"hidden: sizes must be at least 1, got [{string.Join(", ", Hidden)}]");
        if (!(Lambda >= 0))
            throw new ArgumentException($"lambda: must be non-negative, got {Lambda}");
        if (BatchSize < 1)
            throw new ArgumentException($"batch-size: must be at least 1, got {BatchSize}");
        if (!(EtaMin > 0) || !(EtaMax >= EtaMin))
            throw new ArgumentException($"eta-min/eta-max: need 0 < eta-min <= eta-max, got {EtaMin} and {EtaMax}");
        if (StepSize < 1)
            throw new ArgumentException($"step-size: must be at least 1, got {StepSize}");
        if (Cycles < 1)
            throw new ArgumentException($"cycles: must be at least 1, got {Cycles}");
        if (2L * StepSize * Cycles > MaxTotalSteps)
            throw new ArgumentException(
                $"cycles/step-size: 2 x {StepSize} x {Cycles} = {2L * StepSize * Cycles:N0} update steps is more than a run may take ({MaxTotalSteps:N0})"
            );
        if (ParameterCount(Data.Cifar10Format.Pixels) is var parameters && parameters > MaxParameters)
            throw new ArgumentException(
                $"hidden: [{string.Join(", ", Hidden)}] has {parameters:N0} parameters, more than a network may have ({MaxParameters:N0})"
            );
        if (PointsPerCycle < 1)
            throw new ArgumentException($"points-per-cycle: must be at least 1, got {PointsPerCycle}");
        if ((long)PointsPerCycle * Cycles > MaxRecordingPoints)
            throw new ArgumentException(
                $"points-per-cycle: {PointsPerCycle} x {Cycles} cycles = {(long)PointsPerCycle * Cycles:N0} "
                    + $"recording points, each evaluating the network; at most {MaxRecordingPoints:N0}"
            );
        if (DataOrderSeed < 0)
            throw new ArgumentException($"data-order-seed: must be at least 0, got {DataOrderSeed}");
        if (TrainEvalSubset < 0)
            throw new ArgumentException($"train-eval-subset: must be 0 (all) or positive, got {TrainEvalSubset}");
        if (BatchNormAlpha is < 0 or >= 1)
            throw new ArgumentException($"batch-norm-alpha: must be in [0, 1), got {BatchNormAlpha}");
        if (Init.Kind == InitKind.Sigma && !(Init.Sigma > 0))
            throw new ArgumentException($"init: sigma must be positive, got {Init.Sigma}");
    }
}
