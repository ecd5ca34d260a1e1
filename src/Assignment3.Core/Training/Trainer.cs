using System.Diagnostics;
using Assignment3.Core.Data;
using Assignment3.Core.Network;
using Assignment3.Core.Numerics;
using Assignment3.Core.Randomness;

namespace Assignment3.Core.Training;

/// <summary>What a stretch of training produced: its recording points, and how it ended.</summary>
/// <param name="Step">Update steps done when it ended (its target, or the step that diverged).</param>
/// <param name="DivergedCost">The NaN or infinite cost, when it diverged.</param>
public sealed record TrainingSegment(TrainingStatus Status, IReadOnlyList<CurvePoint> Points, int Step, double? DivergedCost,
    double Seconds, double EvaluationSeconds);

/// <summary>
/// A training run in progress: mini-batch gradient descent with a cyclical learning rate, as a pure
/// function of (config, data, config.Seed). Initialization, the order of each epoch (a permutation
/// drawn from the seed and the epoch's number alone) and the training-evaluation subset each come
/// from their own seeded stream, so the network at step s is all the state there is: a run can stop
/// at any step (<see cref="Checkpoint"/>), continue in another process on another machine
/// (<see cref="Resume"/>), and give bit for bit what it would have given without stopping.
/// </summary>
public sealed class TrainingRun
{
    private readonly TrainingConfig config;
    private readonly DataSplits data;
    private readonly Network<float> network;
    private readonly Evaluator evaluator;
    private readonly Workspace<float> ws;
    private readonly Mat<float> x;
    private readonly byte[] labels;
    private readonly int[] order;
    private readonly int[]? trainEvaluationSubset;
    private readonly int batchesPerEpoch;
    private int orderEpoch = -1;

    private TrainingRun(TrainingConfig config, DataSplits data, IGemm gemm)
    {
        config.Validate();
        this.config = config;
        this.data = data;
        batchesPerEpoch = data.Train.Count / config.BatchSize;
        if (batchesPerEpoch == 0)
            throw new ArgumentException($"batch-size: {config.BatchSize} is larger than the training set ({data.Train.Count} images)");
        network = new Network<float>(config.NetworkSpec(data.Train.Dimensions, Cifar10Format.Classes), config.Seed, gemm);
        evaluator = new Evaluator(network);
        ws = network.CreateWorkspace(config.BatchSize);
        x = new Mat<float>(data.Train.Dimensions, config.BatchSize);
        labels = new byte[config.BatchSize];
        order = new int[data.Train.Count];
        trainEvaluationSubset = SubsetIndices(data.Train.Count, config.TrainEvalSubset, new Xoshiro256StarStar((ulong)DeriveSeed(config.Seed, stream: 2)));
    }

    /// <summary>Update steps done so far.</summary>
    public int Step { get; private set; }

    public Network<float> Network => network;

    /// <summary>A run at step 0: the network initialized from the seed.</summary>
    public static TrainingRun Start(TrainingConfig config, DataSplits data, IGemm gemm) => new(config, data, gemm);

    /// <summary>The run <paramref name="config"/> at its checkpoint's step, as it was when the checkpoint was made.</summary>
    public static TrainingRun Resume(TrainingConfig config, DataSplits data, IGemm gemm, Checkpoint checkpoint)
    {
        var run = new TrainingRun(config, data, gemm);
        checkpoint.RestoreInto(run.network);
        run.Step = checkpoint.Step;
        return run;
    }

    public Checkpoint Checkpoint() => Training.Checkpoint.Of(config, network, Step);

    /// <summary>
    /// Trains to step <paramref name="toStep"/>, evaluating at each recording point on the way and
    /// reporting progress; stops early with status Diverged when a cost is NaN or infinite.
    /// </summary>
    public TrainingSegment Advance(int toStep, Action<TrainingProgress>? onProgress = null, CancellationToken cancellation = default)
    {
        if (toStep < Step || toStep > config.TotalSteps)
            throw new ArgumentOutOfRangeException(nameof(toStep), $"cannot train from step {Step} to step {toStep} of {config.TotalSteps}");
        var clock = Stopwatch.StartNew();
        var evaluationClock = new Stopwatch();
        var lambda = (float)config.Lambda;
        var schedule = config.Schedule;
        var batchSize = config.BatchSize;
        var recordAt = new Queue<int>(config.RecordingSteps().Where(s => s > Step && s <= toStep));
        var points = new List<CurvePoint>(recordAt.Count);

        for (; Step < toStep; )
        {
            cancellation.ThrowIfCancellationRequested();
            var step = Step;
            var batch = step % batchesPerEpoch;
            ShuffleFor(step / batchesPerEpoch);
            data.Train.Gather(order.AsSpan(batch * batchSize, batchSize), x, labels);
            // The next batch's images come from all over the training set: fetched while this one trains.
            if (batch + 1 < batchesPerEpoch) data.Train.Prefetch(order.AsSpan((batch + 1) * batchSize, batchSize));

            var loss = UpdateStep(network, ws, x, labels, lambda, (float)schedule.At(step));
            Step = step + 1;
            if (!double.IsFinite(loss))
                return new TrainingSegment(TrainingStatus.Diverged, points, Step, loss, clock.Elapsed.TotalSeconds, evaluationClock.Elapsed.TotalSeconds);

            CurvePoint? point = null;
            if (recordAt.Count > 0 && recordAt.Peek() == Step)
            {
                recordAt.Dequeue();
                evaluationClock.Start();
                var onTrain = evaluator.Evaluate(data.Train, config.Lambda, trainEvaluationSubset);
                var onValidation = evaluator.Evaluate(data.Validation, config.Lambda);
                evaluationClock.Stop();
                point = new CurvePoint(Step, schedule.At(step), onTrain.Cost, onTrain.Loss, onTrain.Accuracy,
                    onValidation.Cost, onValidation.Loss, onValidation.Accuracy);
                points.Add(point);
                if (!double.IsFinite(onValidation.Cost))
                    return new TrainingSegment(TrainingStatus.Diverged, points, Step, onValidation.Cost, clock.Elapsed.TotalSeconds, evaluationClock.Elapsed.TotalSeconds);
            }
            if (point is not null || Step % 25 == 0 || Step == toStep)
                onProgress?.Invoke(new TrainingProgress(Step, config.TotalSteps, loss + config.Lambda * network.SumOfSquaredWeights(), point));
        }
        return new TrainingSegment(TrainingStatus.Completed, points, Step, null, clock.Elapsed.TotalSeconds, evaluationClock.Elapsed.TotalSeconds);
    }

    /// <summary>Accuracy on the test set, now.</summary>
    public double TestAccuracy() => evaluator.Evaluate(data.Test, config.Lambda).Accuracy;

    /// <summary>
    /// One update step on a gathered mini-batch: forward, backward, running statistics, descent.
    /// Returns the mean loss of the batch (before the update). Allocates nothing.
    /// </summary>
    public static double UpdateStep(Network<float> network, Workspace<float> ws, Mat<float> x, byte[] labels, float lambda, float eta)
    {
        var loss = network.Forward(x, labels, ws, training: true) / x.Cols;
        if (!double.IsFinite(loss)) return loss;
        network.Backward(x, labels, ws, lambda: 0f);
        network.UpdateRunningStatistics(ws);
        network.Step(eta, lambda);
        return loss;
    }

    /// <summary>The order of epoch <paramref name="epoch"/>: a permutation drawn from the seed and the epoch alone.</summary>
    private void ShuffleFor(int epoch)
    {
        if (epoch == orderEpoch) return;
        for (var i = 0; i < order.Length; i++) order[i] = i;
        Batches.Shuffle(order, new Xoshiro256StarStar((ulong)DeriveSeed(config.Seed, stream: 3 + epoch)));
        orderEpoch = epoch;
    }

    /// <summary><paramref name="size"/> distinct random indices, sorted; null (the whole set) for 0 or more than it holds.</summary>
    private static int[]? SubsetIndices(int count, int size, Xoshiro256StarStar random)
    {
        if (size == 0 || size >= count) return null;
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
    public static TrainingResult Train(TrainingConfig config, DataSplits data, IGemm gemm,
        Action<TrainingProgress>? onProgress = null, CancellationToken cancellation = default, bool evaluateTest = true)
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
    public static TrainingResult Result(TrainingRun run, TrainingSegment segment, IReadOnlyList<CurvePoint> curve, double seconds, bool evaluateTest)
    {
        if (segment.Status == TrainingStatus.Diverged)
            return new TrainingResult(TrainingStatus.Diverged, curve, double.NaN, double.NaN, double.NaN, segment.DivergedCost!.Value, segment.Step,
                seconds, segment.Step, segment.EvaluationSeconds);
        // The run ends at a recording point, so the last one holds the final training and validation figures.
        var last = curve[^1];
        var evaluation = Stopwatch.StartNew();
        var testAccuracy = evaluateTest ? run.TestAccuracy() : double.NaN;
        var testSeconds = evaluation.Elapsed.TotalSeconds;
        return new TrainingResult(TrainingStatus.Completed, curve, last.TrainAccuracy, last.ValidationAccuracy, testAccuracy, last.TrainCost,
            segment.Step, seconds + testSeconds, null, segment.EvaluationSeconds + testSeconds);
    }
}
