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
    public static TrainingResult Train(TrainingConfig config, DataSplits data, IGemm gemm,
        Action<TrainingProgress>? onProgress = null, CancellationToken cancellation = default)
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
        var trainSubset = ChooseSubset(train.Count, config.TrainEvalSubset, new Random(DeriveSeed(config.Seed, stream: 2)));

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

            var cost = network.Forward(x, labels, ws, training: true) / batchSize + config.Lambda * network.SumOfSquaredWeights();
            if (!double.IsFinite(cost))
                return Diverged(curve, cost, step + 1, clock);
            network.Backward(x, labels, ws, lambda);
            network.UpdateRunningStatistics(ws);
            network.Step((float)schedule.At(step));

            var done = step + 1;
            CurvePoint? point = null;
            if (recordAt.Count > 0 && recordAt.Peek() == done)
            {
                recordAt.Dequeue();
                var onTrain = evaluator.Evaluate(train, trainSubset, config.Lambda);
                var onValidation = evaluator.Evaluate(data.Validation, null, config.Lambda);
                point = new CurvePoint(done, schedule.At(step), onTrain.Cost, onTrain.Loss, onTrain.Accuracy,
                    onValidation.Cost, onValidation.Loss, onValidation.Accuracy);
                curve.Add(point);
                if (!double.IsFinite(onValidation.Cost))
                    return Diverged(curve, onValidation.Cost, done, clock);
            }
            if (point is not null || done % 25 == 0 || done == totalSteps)
                onProgress?.Invoke(new TrainingProgress(done, totalSteps, cost, point));
        }

        var finalTrain = evaluator.Evaluate(train, trainSubset, config.Lambda);
        var finalValidation = evaluator.Evaluate(data.Validation, null, config.Lambda);
        var test = evaluator.Evaluate(data.Test, null, config.Lambda);
        return new TrainingResult(TrainingStatus.Completed, curve, finalTrain.Accuracy, finalValidation.Accuracy,
            test.Accuracy, finalTrain.Cost, totalSteps, clock.Elapsed.TotalSeconds, null);
    }

    private static TrainingResult Diverged(List<CurvePoint> curve, double cost, int step, Stopwatch clock) =>
        new(TrainingStatus.Diverged, curve, double.NaN, double.NaN, double.NaN, cost, step, clock.Elapsed.TotalSeconds, step);

    /// <summary>A fixed random subset of the training images for the training curves, or null for all of them.</summary>
    private static int[]? ChooseSubset(int count, int size, Random random)
    {
        if (size == 0 || size >= count) return null;
        var all = Enumerable.Range(0, count).ToArray();
        Batches.Shuffle(all, random);
        var subset = all[..size];
        Array.Sort(subset);
        return subset;
    }

    /// <summary>
    /// Independent, reproducible seeds for the run's random streams (not HashCode, which is
    /// randomized per process).
    /// </summary>
    public static int DeriveSeed(int seed, int stream) => unchecked(seed * 1_000_003 + stream * 7_919);
}
