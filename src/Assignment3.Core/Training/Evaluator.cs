using Assignment3.Core.Data;
using Assignment3.Core.Network;
using Assignment3.Core.Numerics;

namespace Assignment3.Core.Training;

public sealed record Evaluation(double Cost, double Loss, double Accuracy);

/// <summary>
/// Evaluates a network in inference mode (running batch-norm statistics) over a dataset in
/// chunks of large GEMMs. Its buffers are allocated once per run.
/// </summary>
public sealed class Evaluator
{
    private readonly Network<float> network;
    private readonly int chunkSize;
    private readonly Dictionary<(int Size, bool Copy), (Workspace<float> Workspace, Mat<float>? X, byte[]? Labels)> buffers = new();

    /// <param name="chunkSize">Images per forward pass; larger sets are evaluated chunk by chunk through a copy.</param>
    public Evaluator(Network<float> network, int chunkSize = 10_000)
    {
        this.network = network;
        this.chunkSize = chunkSize;
    }

    /// <summary>Cost, loss and accuracy over the whole set; sets of up to one chunk are read in place.</summary>
    public Evaluation Evaluate(Dataset data, double lambda)
    {
        double loss = 0;
        long correct = 0;
        for (var start = 0; start < data.Count; start += chunkSize)
        {
            var n = Math.Min(chunkSize, data.Count - start);
            var (ws, x, labels) = BuffersFor(n, copy: n < data.Count);
            if (x is null) (x, labels) = (data.X, data.Labels);
            else Batches.Copy(data, start, x, labels!);
            loss += network.Forward(x, labels, ws, training: false);
            for (var j = 0; j < n; j++) if (ws.Predictions[j] == labels![j]) correct++;
        }
        var meanLoss = loss / data.Count;
        return new Evaluation(meanLoss + lambda * network.SumOfSquaredWeights(), meanLoss, (double)correct / data.Count);
    }

    private (Workspace<float> Workspace, Mat<float>? X, byte[]? Labels) BuffersFor(int n, bool copy)
    {
        var key = (n, copy);
        if (!buffers.TryGetValue(key, out var b))
            buffers[key] = b = (network.CreateWorkspace(n), copy ? new Mat<float>(network.Spec.InputSize, n) : null, copy ? new byte[n] : null);
        return b;
    }
}
