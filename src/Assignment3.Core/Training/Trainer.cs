using System.Diagnostics;
using Assignment3.Core.Data;
using Assignment3.Core.Network;
using Assignment3.Core.Numerics;

namespace Assignment3.Core.Training;

/// <summary>
/// Mini-batch gradient descent with a cyclical learning rate. A run is a pure function of
/// (config, data, config.Seed): initialization, the per-epoch shuffles and the training
/// evaluation subset each draw from their own seeded stream.
/// </summary>
public static class Trainer
{
    /// <param name="evaluateTest">False skips the final test-set pass (its accuracy is then NaN), for sweeps that do not report it.</param>
    public static TrainingResult Train(TrainingConfig config, DataSplits data, IGemm gemm,
        Action<TrainingProgress>? onProgress = null, CancellationToken cancellation = default, bool evaluateTest = true)
    {
        config.Validate();
        var clock = Stopwatch.StartNew();
        var train = data.Train;
        var batchSize = config.BatchSize;
        var batchesPerEpoch = train.Count / batchSize;
        if (batchesPerEpoch == 0)
            throw new ArgumentException($"batch-size: {batchSize} is larger than the training set ({train.Count} images)");

        var network = new Network<float>(config.NetworkSpec(train.Dimensions, Cifar10Format.Classes), config.Seed, gemm);
        var evaluator = new Evaluator(network);
        var lambda = (float)config.Lambda;
        var schedule = config.Schedule;
        var shuffleRandom = new Random(DeriveSeed(config.Seed, stream: 1));
        // The training curves use a fixed random subset, copied once so evaluation reads it in place.
        var trainEvaluationSet = Subset(train, config.TrainEvalSubset, new Random(DeriveSeed(config.Seed, stream: 2)));
        var evaluationClock = new Stopwatch();

        var ws = network.CreateWorkspace(batchSize);
        var x = new Mat<float>(train.Dimensions, batchSize);
        var labels = new byte[batchSize];
        var order = Enumerable.Range(0, train.Count).ToArray();
        var recordAt = new Queue<int>(config.RecordingSteps());
        var curve = new List<CurvePoint>(recordAt.Count);

        var totalSteps = config.TotalSteps;
        for (var step = 0; step < totalSteps; step++)
        {
            cancellation.ThrowIfCancellationRequested();
            var batch = step % batchesPerEpoch;
            if (batch == 0) Batches.Shuffle(order, shuffleRandom);
            Batches.Gather(train, order.AsSpan(batch * batchSize, batchSize), x, labels);

            var loss = Step(network, ws, x, labels, lambda, (float)schedule.At(step));
            if (!double.IsFinite(loss))
                return Diverged(curve, loss, step + 1, clock, evaluationClock);

            var done = step + 1;
            CurvePoint? point = null;
            if (recordAt.Count > 0 && recordAt.Peek() == done)
            {
                recordAt.Dequeue();
                evaluationClock.Start();
                var onTrain = evaluator.Evaluate(trainEvaluationSet, config.Lambda);
                var onValidation = evaluator.Evaluate(data.Validation, config.Lambda);
                evaluationClock.Stop();
                point = new CurvePoint(done, schedule.At(step), onTrain.Cost, onTrain.Loss, onTrain.Accuracy,
                    onValidation.Cost, onValidation.Loss, onValidation.Accuracy);
                curve.Add(point);
                if (!double.IsFinite(onValidation.Cost))
                    return Diverged(curve, onValidation.Cost, done, clock, evaluationClock);
            }
            if (point is not null || done % 25 == 0 || done == totalSteps)
                onProgress?.Invoke(new TrainingProgress(done, totalSteps, loss + config.Lambda * network.SumOfSquaredWeights(), point));
        }

        // The last recording point is the final step, so it already holds the final training and validation figures.
        var last = curve[^1];
        evaluationClock.Start();
        var testAccuracy = evaluateTest ? evaluator.Evaluate(data.Test, config.Lambda).Accuracy : double.NaN;
        evaluationClock.Stop();
        return new TrainingResult(TrainingStatus.Completed, curve, last.TrainAccuracy, last.ValidationAccuracy,
            testAccuracy, last.TrainCost, totalSteps, clock.Elapsed.TotalSeconds, null, evaluationClock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// One update step on a gathered mini-batch: forward, backward, running statistics, descent.
    /// Returns the mean loss of the batch (before the update). Allocates nothing.
    /// </summary>
    public static double Step(Network<float> network, Workspace<float> ws, Mat<float> x, byte[] labels, float lambda, float eta)
    {
        var loss = network.Forward(x, labels, ws, training: true) / x.Cols;
        if (!double.IsFinite(loss)) return loss;
        network.Backward(x, labels, ws, lambda: 0f);
        network.UpdateRunningStatistics(ws);
        network.Step(eta, lambda);
        return loss;
    }

    private static TrainingResult Diverged(List<CurvePoint> curve, double cost, int step, Stopwatch clock, Stopwatch evaluationClock) =>
        new(TrainingStatus.Diverged, curve, double.NaN, double.NaN, double.NaN, cost, step, clock.Elapsed.TotalSeconds, step, evaluationClock.Elapsed.TotalSeconds);

    /// <summary>A copy of <paramref name="size"/> random images of the set, or the set itself for 0 or more than it holds.</summary>
    private static Dataset Subset(Dataset data, int size, Random random)
    {
        if (size == 0 || size >= data.Count) return data;
        var order = Enumerable.Range(0, data.Count).ToArray();
        Batches.Shuffle(order, random);
        var chosen = order[..size];
        Array.Sort(chosen);
        var subset = new Dataset(new Mat<float>(data.Dimensions, size), new byte[size]);
        Batches.Gather(data, chosen, subset.X, subset.Labels);
        return subset;
    }

    /// <summary>
    /// Independent, reproducible seeds for the run's random streams (not HashCode, which is
    /// randomized per process).
    /// </summary>
    public static int DeriveSeed(int seed, int stream) => unchecked(seed * 1_000_003 + stream * 7_919);
}
