using System.Numerics;
using Assignment3.Core.Numerics;
using Assignment3.Core.Randomness;

namespace Assignment3.Core.Network;

/// <summary>
/// A k-layer network's parameters, with the forward and backward passes that compose the
/// layer functions. All per-batch buffers live in a <see cref="Workspace{T}"/>; the network
/// holds only what training changes (parameters, gradients, running statistics).
/// </summary>
public sealed class Network<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T eps;
    private readonly T alpha;

    public Network(NetworkSpec spec, int seed, IGemm gemm)
    {
        spec.Validate();
        Spec = spec;
        Gemm = gemm;
        eps = T.CreateChecked(spec.BatchNormEpsilon);
        alpha = T.CreateChecked(spec.BatchNormAlpha);
        var hidden = spec.Hidden.Count;
        Layers = new Layer<T>[spec.LayerCount];
        var random = new Xoshiro256StarStar((ulong)seed);
        var parameters = new List<Parameter<T>>();
        for (var l = 0; l < Layers.Length; l++)
        {
            var layer = new Layer<T>(spec.FanIn(l), spec.Width(l), spec.BatchNorm && l < hidden);
            var sigma = spec.Init.SigmaFor(layer.FanIn);
            for (var i = 0; i < layer.W.Data.Length; i += 2)
            {
                var (z0, z1) = StandardNormalPair(random);
                layer.W.Data[i] = T.CreateChecked(sigma * z0);
                if (i + 1 < layer.W.Data.Length)
                    layer.W.Data[i + 1] = T.CreateChecked(sigma * z1);
            }
            Layers[l] = layer;
            parameters.Add(new(l + 1, ParameterKind.W, layer.W.Data, layer.GradW.Data));
            parameters.Add(new(l + 1, ParameterKind.b, layer.B, layer.GradB));
            if (!layer.BatchNorm)
                continue;
            parameters.Add(new(l + 1, ParameterKind.gamma, layer.Gamma!, layer.GradGamma!));
            parameters.Add(new(l + 1, ParameterKind.beta, layer.Beta!, layer.GradBeta!));
        }
        Parameters = parameters.ToArray();
    }

    public NetworkSpec Spec { get; }
    public IGemm Gemm { get; }
    public Layer<T>[] Layers { get; }

    /// <summary>Every parameter tensor, in layer order (an array: iterating it allocates nothing).</summary>
    public Parameter<T>[] Parameters { get; }

    public Workspace<T> CreateWorkspace(int batchSize) => new(Spec, batchSize);

    /// <summary>Whether a training batch has set the running statistics (the first one initializes them).</summary>
    public bool HasRunningStatistics { get; set; }

    /// <summary>
    /// Forward pass over X (d x n). Training uses batch statistics, evaluation the running ones.
    /// Leaves probabilities and predictions in the workspace and returns the summed loss.
    /// </summary>
    public double Forward(Mat<T> x, ReadOnlySpan<byte> labels, Workspace<T> ws, bool training)
    {
        CheckBatch(x, labels, ws);
        var first = Layers[0];
        Linear.Forward(Gemm, first.W, first.B, x, ws.FirstProduct);
        return ForwardFromFirstProduct(labels, ws, training);
    }

    /// <summary>
    /// The forward pass after the first layer's product W X + b, which is in <see cref="Workspace{T}.FirstProduct"/>
    /// (a training group computes it for all its networks at once, see <see cref="FirstLayerStack"/>).
    /// </summary>
    public double ForwardFromFirstProduct(ReadOnlySpan<byte> labels, Workspace<T> ws, bool training)
    {
        Mat<T>? input = null;
        for (var l = 0; l < Spec.Hidden.Count; l++)
        {
            var layer = Layers[l];
            if (l > 0)
                Linear.Forward(Gemm, layer.W, layer.B, input!, layer.BatchNorm ? ws.S[l]! : ws.H[l]);
            if (layer.BatchNorm)
            {
                if (training)
                    BatchNorm.ForwardTrain(
                        ws.S[l]!,
                        eps,
                        ws.Mean[l],
                        ws.Variance[l],
                        ws.SHat[l]!,
                        layer.Gamma!,
                        layer.Beta!,
                        ws.H[l]
                    );
                else
                    BatchNorm.ForwardEval(
                        ws.S[l]!,
                        eps,
                        layer.RunningMean!,
                        layer.RunningVariance!,
                        ws.SHat[l]!,
                        layer.Gamma!,
                        layer.Beta!,
                        ws.H[l]
                    );
            }
            Relu.Forward<T>(ws.H[l].Data);
            input = ws.H[l];
        }
        var output = Layers[^1];
        Linear.Forward(Gemm, output.W, output.B, input!, ws.Probabilities);
        var loss = SoftmaxCrossEntropy.Forward(ws.Probabilities, labels, ws.Exponents);
        RowOps.ColumnArgMax(ws.Probabilities, ws.Predictions);
        return loss;
    }

    /// <summary>
    /// Backward pass after a training forward pass on the same X and workspace: fills every
    /// parameter's gradient of cost = mean loss + lambda * sum ||W||_F^2.
    /// </summary>
    public void Backward(Mat<T> x, ReadOnlySpan<byte> labels, Workspace<T> ws, T lambda)
    {
        BackwardToFirstProduct(labels, ws, lambda);
        var first = Layers[0];
        Linear.BackwardWeights(Gemm, first.W, x, ws.G[0], lambda, first.GradW);
    }

    /// <summary>
    /// The backward pass down to the first layer's product: every gradient but the first layer's W,
    /// with dC/dS of the first layer left in <c>ws.G[0]</c> (the first layer's W gradient is G[0] X^T;
    /// a training group computes it for all its networks at once).
    /// </summary>
    public void BackwardToFirstProduct(ReadOnlySpan<byte> labels, Workspace<T> ws, T lambda)
    {
        var hidden = Spec.Hidden.Count;
        SoftmaxCrossEntropy.Backward(ws.Probabilities, labels, ws.GradScores);
        var g = ws.GradScores;
        for (var l = hidden; l >= 0; l--)
        {
            var layer = Layers[l];
            if (l < hidden)
            {
                Relu.Backward<T>(ws.H[l].Data, g.Data);
                if (layer.BatchNorm)
                    BatchNorm.Backward(
                        g,
                        ws.SHat[l]!,
                        ws.Variance[l],
                        eps,
                        layer.Gamma!,
                        layer.GradGamma!,
                        layer.GradBeta!,
                        ws.Scratch
                    );
            }
            if (l == 0)
            {
                Linear.BackwardBiasAndInput(Gemm, layer.W, g, layer.GradB, gX: null);
                return;
            }
            Linear.BackwardWeights(Gemm, layer.W, ws.H[l - 1], g, lambda, layer.GradW);
            Linear.BackwardBiasAndInput(Gemm, layer.W, g, layer.GradB, ws.G[l - 1]);
            g = ws.G[l - 1];
        }
    }

    /// <summary>Folds the last training batch's statistics into the running averages.</summary>
    public void UpdateRunningStatistics(Workspace<T> ws)
    {
        for (var l = 0; l < Spec.Hidden.Count; l++)
        {
            var layer = Layers[l];
            if (!layer.BatchNorm)
                continue;
            BatchNorm.UpdateRunningStatistics(
                layer.RunningMean!,
                layer.RunningVariance!,
                ws.Mean[l],
                ws.Variance[l],
                alpha,
                !HasRunningStatistics
            );
        }
        HasRunningStatistics = true;
    }

    /// <summary>sum over layers of ||W||_F^2, the regularization term before lambda.</summary>
    public double SumOfSquaredWeights()
    {
        var total = 0.0;
        foreach (var layer in Layers)
            total += Elementwise.SumOfSquares<T>(layer.W.Data);
        return total;
    }

    /// <summary>
    /// Two independent N(0, 1) samples (Marsaglia's polar method): uniform draws from the run's seeded
    /// stream, then only IEEE square root and <see cref="ExactMath.Log"/>, so every CPU draws the same.
    /// </summary>
    private static (double, double) StandardNormalPair(Xoshiro256StarStar random)
    {
        double u,
            v,
            s;
        do
        {
            u = 2 * random.NextDouble() - 1;
            v = 2 * random.NextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        var factor = Math.Sqrt(-2 * ExactMath.Log(s) / s);
        return (u * factor, v * factor);
    }

    /// <summary>
    /// Gradient descent step theta -= eta * dC/dtheta, for gradients that hold the data term only
    /// (a backward pass with lambda 0): the L2 term is applied here, W -= eta * (dW + 2 lambda W),
    /// fused into one pass over each weight matrix (<see cref="Elementwise.Descend{T}(Span{T}, ReadOnlySpan{T}, T, T)"/>).
    /// With lambda 0 it is the plain step. Without <paramref name="firstLayerWeights"/>, the first
    /// layer's W is left alone: a training group steps it stacked with its other members' (<see cref="FirstLayerStack"/>).
    /// </summary>
    public void Step(T eta, T lambda, bool firstLayerWeights = true)
    {
        var decay = T.One - (eta + eta) * lambda;
        foreach (var p in Parameters)
        {
            if (p.Kind != ParameterKind.W)
                Elementwise.ScaleThenAdd(p.Gradient, -eta, p.Value, p.Value);
            else if (firstLayerWeights || p.Layer != 1)
                Elementwise.Descend(p.Value, p.Gradient, decay, eta);
        }
    }

    private void CheckBatch(Mat<T> x, ReadOnlySpan<byte> labels, Workspace<T> ws)
    {
        if (x.Rows != Spec.InputSize)
            throw new ArgumentException($"input has {x.Rows} rows, the network expects {Spec.InputSize}");
        if (x.Cols != ws.BatchSize || labels.Length != ws.BatchSize)
            throw new ArgumentException(
                $"batch of {x.Cols} samples and {labels.Length} labels for a workspace of {ws.BatchSize}"
            );
    }
}
