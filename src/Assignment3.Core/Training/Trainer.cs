using System.Diagnostics;
using Assignment3.Core.Data;
using Assignment3.Core.Network;
using Assignment3.Core.Numerics;
using Assignment3.Core.Randomness;

namespace Assignment3.Core.Training;

/// <summary>What a stretch of training produced: its recording points, and how it ended.</summary>
/// <param name="Step">Update steps done when it ended (its target, the step that diverged, or where it was cancelled).</param>
/// <param name="DivergedCost">The NaN or infinite cost, when it diverged.</param>
/// <param name="Seconds">Its share of the time: a group's step time split equally among the runs that took the step, its own evaluations in full.</param>
public sealed record TrainingSegment(
    TrainingStatus Status,
    IReadOnlyList<CurvePoint> Points,
    int Step,
    double? DivergedCost,
    double Seconds,
    double EvaluationSeconds
);

/// <summary>
/// A training run in progress: mini-batch gradient descent with a cyclical learning rate, as a pure
/// function of (config, data, config.Seed, config.OrderSeed). Initialization and the
/// training-evaluation subset come from their own streams of the seed, the order of each epoch (a
/// permutation) from the order seed and the epoch's number alone, so the network at step s is all the
/// state there is: a run can stop at any step (<see cref="Checkpoint"/>), continue in another process
/// on another machine (<see cref="Resume"/>), train in a group with others on the same mini-batches
/// (<see cref="TrainingGroup"/>), and give bit for bit what it would have given alone without stopping.
/// </summary>
public sealed class TrainingRun
{
    private readonly int[]? trainEvaluationSubset;

    private TrainingRun(TrainingConfig config, DataSplits data, IGemm gemm)
    {
        config.Validate();
        Config = config;
        Data = data;
        if (data.Train.Count / config.BatchSize == 0)
            throw new ArgumentException(
                $"batch-size: {config.BatchSize} is larger than the training set ({data.Train.Count} images)"
            );
        Network = new Network<float>(
            config.NetworkSpec(data.Train.Dimensions, Cifar10Format.Classes),
            config.Seed,
            gemm
        );
        Evaluator = new Evaluator(Network);
        Workspace = Network.CreateWorkspace(config.BatchSize);
        trainEvaluationSubset = SubsetIndices(
            data.Train.Count,
            config.TrainEvalSubset,
            new Xoshiro256StarStar((ulong)DeriveSeed(config.Seed, stream: 2))
        );
    }

    public TrainingConfig Config { get; }
    public DataSplits Data { get; }

    /// <summary>Update steps done so far.</summary>
    public int Step { get; internal set; }

    /// <summary>The network; while its run trains in a group of several, its first layer's W is kept by the group.</summary>
    public Network<float> Network { get; }

    internal Evaluator Evaluator { get; }
    internal Workspace<float> Workspace { get; }

    /// <summary>A run at step 0: the network initialized from the seed.</summary>
    public static TrainingRun Start(TrainingConfig config, DataSplits data, IGemm gemm) => new(config, data, gemm);

    /// <summary>The run <paramref name="config"/> at its checkpoint's step, as it was when the checkpoint was made.</summary>
    public static TrainingRun Resume(TrainingConfig config, DataSplits data, IGemm gemm, Checkpoint checkpoint)
    {
        var run = new TrainingRun(config, data, gemm);
        checkpoint.RestoreInto(run.Network);
        run.Step = checkpoint.Step;
        return run;
    }

    public Checkpoint Checkpoint() => Training.Checkpoint.Of(Config, Network, Step);

    /// <summary>
    /// Trains to step <paramref name="toStep"/>, evaluating at each recording point on the way and
    /// reporting progress; stops early with status Diverged when a cost is NaN or infinite. A group of one.
    /// </summary>
    public TrainingSegment Advance(
        int toStep,
        Action<TrainingProgress>? onProgress = null,
        CancellationToken cancellation = default
    )
    {
        var segment = TrainingGroup.Advance([new GroupMember(this, toStep, onProgress, cancellation)])[0];
        if (segment.Status == TrainingStatus.Cancelled)
            throw new OperationCanceledException(cancellation);
        return segment;
    }

    /// <summary>Accuracy on the test set, now.</summary>
    public double TestAccuracy() => Evaluator.Evaluate(Data.Test, Config.Lambda).Accuracy;

    /// <summary>Cost, loss and accuracy on the training-evaluation subset, now.</summary>
    internal Evaluation EvaluateTrainingSubset() =>
        Evaluator.Evaluate(Data.Train, Config.Lambda, trainEvaluationSubset);

    /// <summary>
    /// One update step on a gathered mini-batch: forward, backward, running statistics, descent, each
    /// pass as the network composes it (gradient checks and tests take this as the reference for the
    /// trainer's fused steps). Returns the mean loss of the batch (before the update).
    /// </summary>
    public static double UpdateStep(
        Network<float> network,
        Workspace<float> ws,
        Mat<float> x,
        byte[] labels,
        float lambda,
        float eta
    )
    {
        var loss = network.Forward(x, labels, ws, training: true) / x.Cols;
        if (!double.IsFinite(loss))
            return loss;
        network.Backward(x, labels, ws, lambda: 0f);
        network.UpdateRunningStatistics(ws);
        network.Step(eta, lambda);
        return loss;
    }

    /// <summary><paramref name="size"/> distinct random indices, sorted; null (the whole set) for 0 or more than it holds.</summary>
    private static int[]? SubsetIndices(int count, int size, Xoshiro256StarStar random)
    {
        if (size == 0 || size >= count)
            return null;
        var all = Enumerable.Range(0, count).ToArray();
        Batches.Shuffle(all, random);
        var chosen = all[..size];
        Array.Sort(chosen);
        return chosen;
    }

    /// <summary>
    /// Independent, reproducible seeds for the run's random streams (not HashCode, which is
    /// randomized per process).
    /// </summary>
    public static int DeriveSeed(int seed, int stream) => unchecked(seed * 1_000_003 + stream * 7_919);
}

/// <summary>Trains a whole run in one go: what a3 train does, and what a sweep trial without early stopping does.</summary>
public static class Trainer
{
    /// <param name="evaluateTest">False skips the final test-set pass (its accuracy is then NaN), for sweeps that do not report it.</param>
    public static TrainingResult Train(
        TrainingConfig config,
        DataSplits data,
        IGemm gemm,
        Action<TrainingProgress>? onProgress = null,
        CancellationToken cancellation = default,
        bool evaluateTest = true
    )
    {
        var clock = Stopwatch.StartNew();
        var run = TrainingRun.Start(config, data, gemm);
        var segment = run.Advance(config.TotalSteps, onProgress, cancellation);
        return Result(run, segment, segment.Points, clock.Elapsed.TotalSeconds, evaluateTest);
    }

    /// <summary>
    /// The result of a run that has reached the end of <paramref name="segment"/>, whose curve (from
    /// step 0) is <paramref name="curve"/>: final figures from its last recording point, the test
    /// accuracy evaluated now if asked.
    /// </summary>
    public static TrainingResult Result(
        TrainingRun run,
        TrainingSegment segment,
        IReadOnlyList<CurvePoint> curve,
        double seconds,
        bool evaluateTest
    )
    {
        if (segment.Status == TrainingStatus.Diverged)
            return new TrainingResult(
                TrainingStatus.Diverged,
                curve,
                double.NaN,
                double.NaN,
                double.NaN,
                segment.DivergedCost!.Value,
                segment.Step,
                seconds,
                segment.Step,
                segment.EvaluationSeconds
            );
        // The run ends at a recording point, so the last one holds the final training and validation figures.
        var last = curve[^1];
        var evaluation = Stopwatch.StartNew();
        var testAccuracy = evaluateTest ? run.TestAccuracy() : double.NaN;
        var testSeconds = evaluation.Elapsed.TotalSeconds;
        return new TrainingResult(
            TrainingStatus.Completed,
            curve,
            last.TrainAccuracy,
            last.ValidationAccuracy,
            testAccuracy,
            last.TrainCost,
            segment.Step,
            seconds + testSeconds,
            null,
            segment.EvaluationSeconds + testSeconds
        );
    }
}
