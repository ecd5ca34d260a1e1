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

    /// <summary>Cost, loss and accuracy over the whole set, or over the images <paramref name="indices"/> names.</summary>
    public Evaluation Evaluate(Dataset data, double lambda, int[]? indices = null)
    {
        var count = indices?.Length ?? data.Count;
        double loss = 0;
        long correct = 0;
        for (var start = 0; start < count; start += ChunkSize)
        {
            var n = Math.Min(ChunkSize, count - start);
            var (ws, x, labels) = BuffersFor(n);
            if (indices is null) data.Copy(start, x, labels);
            else data.Gather(indices.AsSpan(start, n), x, labels);
            loss += network.Forward(x, labels, ws, training: false);
            for (var j = 0; j < n; j++) if (ws.Predictions[j] == labels[j]) correct++;
        }
        var meanLoss = loss / count;
        return new Evaluation(meanLoss + lambda * network.SumOfSquaredWeights(), meanLoss, (double)correct / count);
    }

    private (Workspace<float> Workspace, Mat<float> X, byte[] Labels) BuffersFor(int n)
    {
        if (!buffers.TryGetValue(n, out var b))
            buffers[n] = b = (network.CreateWorkspace(n), new Mat<float>(network.Spec.InputSize, n), new byte[n]);
        return b;
    }
}
