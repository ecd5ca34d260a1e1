using Assignment3.Core.Data;
using Assignment3.Core.Network;
using Assignment3.Core.Numerics;

namespace Assignment3.Core.Training;

public sealed record Evaluation(double Cost, double Loss, double Accuracy);

/// <summary>
/// Evaluates a network in inference mode (running batch-norm statistics) over a dataset or a
/// subset of it, in chunks of large GEMMs. Its buffers are allocated once per run.
/// </summary>
public sealed class Evaluator
{
    private readonly Network<float> network;
    private readonly int chunkSize;
    private readonly Dictionary<int, (Workspace<float> Workspace, Mat<float> X, byte[] Labels)> buffers = new();

    public Evaluator(Network<float> network, int chunkSize = 1000)
    {
        this.network = network;
        this.chunkSize = chunkSize;
    }

    public Evaluation Evaluate(Dataset data, IReadOnlyList<int>? subset, double lambda)
    {
        var count = subset?.Count ?? data.Count;
        var indices = new int[Math.Min(chunkSize, count)];
        double loss = 0;
        long correct = 0;
        for (var start = 0; start < count; start += chunkSize)
        {
            var n = Math.Min(chunkSize, count - start);
            for (var j = 0; j < n; j++) indices[j] = subset?[start + j] ?? start + j;
            var (ws, x, labels) = BuffersFor(n);
            Batches.Gather(data, indices.AsSpan(0, n), x, labels);
            loss += network.Forward(x, labels, ws, training: false);
            for (var j = 0; j < n; j++) if (ws.Predictions[j] == labels[j]) correct++;
        }
        var meanLoss = loss / count;
        return new Evaluation(meanLoss + lambda * network.SumOfSquaredWeights(), meanLoss, (double)correct / count);
    }

    private (Workspace<float>, Mat<float>, byte[]) BuffersFor(int n)
    {
        if (!buffers.TryGetValue(n, out var b))
            buffers[n] = b = (network.CreateWorkspace(n), new Mat<float>(network.Spec.InputSize, n), new byte[n]);
        return b;
    }
}
