using Assignment3.Core.Data;
using Assignment3.Core.Network;
using Assignment3.Core.Numerics;

namespace Assignment3.Core.Training;

public sealed record Evaluation(double Cost, double Loss, double Accuracy);

/// <summary>
/// Evaluates a network in inference mode (running batch-norm statistics) over a dataset, or the
/// images of it an index list names, <see cref="ChunkSize"/> images at a time: each chunk is read
/// out of the bytes (standardized) into one buffer and goes through the network as one large GEMM.
/// The chunk size is fixed, so results do not depend on anything but the network and the data.
/// </summary>
public sealed class Evaluator(Network<float> network)
{
    /// <summary>Small enough that a trial's buffers stay a few MB (the same product shape as a training step, as fast).</summary>
    public const int ChunkSize = 100;

    private readonly Dictionary<int, (Workspace<float> Workspace, Mat<float> X, byte[] Labels)> buffers = new();

    private Network<float> Network { get; } = network;

    /// <summary>Cost, loss and accuracy over the whole set, or over the images <paramref name="indices"/> names.</summary>
    public Evaluation Evaluate(Dataset data, double lambda, int[]? indices = null) =>
        Together(new FirstLayerStack<float>([Network]), [this], [lambda], data, indices)[0];

    /// <summary>
    /// The networks of <paramref name="stack"/> (their evaluators in its order) evaluated over the same
    /// images at once: each chunk read once, one first-layer product for all of them, the rest per
    /// network; every figure bit for bit what <see cref="Evaluate"/> gives alone. The networks' own
    /// first-layer weights must be current (the cost's L2 term reads them).
    /// </summary>
    public static Evaluation[] Together(
        FirstLayerStack<float> stack,
        IReadOnlyList<Evaluator> evaluators,
        IReadOnlyList<double> lambdas,
        Dataset data,
        int[]? indices = null
    )
    {
        var count = indices?.Length ?? data.Count;
        var losses = new double[evaluators.Count];
        var correct = new long[evaluators.Count];
        var workspaces = new Workspace<float>[evaluators.Count];
        for (var start = 0; start < count; start += ChunkSize)
        {
            var n = Math.Min(ChunkSize, count - start);
            var (_, x, labels) = evaluators[0].BuffersFor(n);
            for (var k = 0; k < evaluators.Count; k++)
                workspaces[k] = evaluators[k].BuffersFor(n).Workspace;
            if (indices is null)
                data.Copy(start, x, labels);
            else
                data.Gather(indices.AsSpan(start, n), x, labels);
            stack.Forward(x, workspaces);
            for (var k = 0; k < evaluators.Count; k++)
            {
                losses[k] += evaluators[k].Network.ForwardFromFirstProduct(labels, workspaces[k], training: false);
                for (var j = 0; j < n; j++)
                    if (workspaces[k].Predictions[j] == labels[j])
                        correct[k]++;
            }
        }
        return evaluators
            .Select(
                (e, k) =>
                {
                    var meanLoss = losses[k] / count;
                    return new Evaluation(
                        meanLoss + lambdas[k] * e.Network.SumOfSquaredWeights(),
                        meanLoss,
                        (double)correct[k] / count
                    );
                }
            )
            .ToArray();
    }

    private (Workspace<float> Workspace, Mat<float> X, byte[] Labels) BuffersFor(int n)
    {
        if (!buffers.TryGetValue(n, out var b))
            buffers[n] = b = (Network.CreateWorkspace(n), new Mat<float>(Network.Spec.InputSize, n), new byte[n]);
        return b;
    }
}
