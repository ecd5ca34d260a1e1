using System.Numerics;
using Assignment3.Core.Numerics;

namespace Assignment3.Core.Network;

/// <summary>
/// The first layers of networks trained on the same mini-batches, stacked by rows into one M x d
/// weight matrix (M: the sum of their widths; network k's rows [Offset(k), Offset(k) + m_k)), so
/// that what they do with a batch is one product each: S = W X + b (M x n) forward, and the weight
/// gradient G X^T (M x d) with its descent step. The kernels run vectors along the rows and a row
/// only meets its own weights, so every element is the same chain of fused multiply-adds as the
/// network's own product: each network's numbers are bit for bit those it has alone.
/// While stacked, a network's own first-layer W is stale: <see cref="Unstack"/> writes its rows back,
/// before anything else reads it (evaluation's cost, checkpoints, leaving the group); nothing is
/// copied per step but the activations. One network is its own stack: its W, its workspace's
/// buffers, no copies at all.
/// Buffers: W M x d and the gradient M x d; per batch size n, S and G M x n; bias, decay and eta M.
/// </summary>
public sealed class FirstLayerStack<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Network<T>[] networks;
    private readonly int[] offsets;
    private readonly Mat<T> w;
    private readonly Mat<T> gradient;
    private readonly T[] bias;
    private readonly T[] decay;
    private readonly T[] eta;
    private readonly Dictionary<int, (Mat<T> S, Mat<T> G)> buffers = new();

    /// <param name="networks">Networks on inputs of the same size, with the same GEMM; their first layers' W are copied in.</param>
    public FirstLayerStack(IReadOnlyList<Network<T>> networks)
    {
        if (networks.Count == 0)
            throw new ArgumentException("a stack needs at least one network", nameof(networks));
        this.networks = networks.ToArray();
        var inputs = this.networks[0].Spec.InputSize;
        if (this.networks.Any(n => n.Spec.InputSize != inputs || n.Gemm != this.networks[0].Gemm))
            throw new ArgumentException("stacked networks must take inputs of the same size and share one GEMM");
        offsets = new int[networks.Count + 1];
        for (var k = 0; k < networks.Count; k++)
            offsets[k + 1] = offsets[k] + networks[k].Layers[0].Width;
        Rows = offsets[^1];
        (bias, decay, eta) = (new T[Rows], new T[Rows], new T[Rows]);
        if (IsSingle)
        {
            (w, gradient) = (this.networks[0].Layers[0].W, this.networks[0].Layers[0].GradW);
            return;
        }
        (w, gradient) = (new Mat<T>(Rows, inputs), new Mat<T>(Rows, inputs));
        for (var k = 0; k < networks.Count; k++)
            CopyRows(this.networks[k].Layers[0].W, w, offsets[k]);
    }

    /// <summary>Networks stacked.</summary>
    public int Count => networks.Length;

    /// <summary>M: the rows of the stacked product (the sum of the first layers' widths).</summary>
    public int Rows { get; }

    public int Offset(int k) => offsets[k];

    private bool IsSingle => networks.Length == 1;

    /// <summary>
    /// S = W X + b for every network at once; network k's rows go to <c>workspaces[k].FirstProduct</c>
    /// (X d x n; each workspace of batch size n).
    /// </summary>
    public void Forward(Mat<T> x, IReadOnlyList<Workspace<T>> workspaces)
    {
        var gemm = networks[0].Gemm;
        if (IsSingle)
        {
            Linear.Forward(gemm, w, networks[0].Layers[0].B, x, workspaces[0].FirstProduct);
            return;
        }
        for (var k = 0; k < networks.Length; k++)
            networks[k].Layers[0].B.CopyTo(bias, offsets[k]);
        var s = BuffersFor(x.Cols).S;
        Linear.Forward(gemm, w, bias, x, s);
        for (var k = 0; k < networks.Length; k++)
            CopyRowsOut(s, offsets[k], workspaces[k].FirstProduct);
    }

    /// <summary>
    /// The weight gradient G X^T of every network from <c>workspaces[k].G[0]</c> (dC/dS of its first
    /// layer, after its backward pass) and the descent step of each network's rows with its own step
    /// size and L2 factor, as <see cref="Network{T}.Step"/> takes it.
    /// </summary>
    public void Descend(Mat<T> x, IReadOnlyList<Workspace<T>> workspaces, ReadOnlySpan<T> etas, ReadOnlySpan<T> lambdas)
    {
        for (var k = 0; k < networks.Length; k++)
        {
            var rows = offsets[k]..offsets[k + 1];
            decay.AsSpan(rows).Fill(T.One - (etas[k] + etas[k]) * lambdas[k]);
            eta.AsSpan(rows).Fill(etas[k]);
        }
        Mat<T> g;
        if (IsSingle)
            g = workspaces[0].G[0];
        else
        {
            g = BuffersFor(x.Cols).G;
            for (var k = 0; k < networks.Length; k++)
                CopyRows(workspaces[k].G[0], g, offsets[k]);
        }
        networks[0].Gemm.DescendAlongProduct<T>(g, x, decay, eta, gradient, w);
    }

    /// <summary>Writes network k's rows back into its own first-layer W (nothing to do for a single network).</summary>
    public void Unstack(int k)
    {
        if (!IsSingle)
            CopyRowsOut(w, offsets[k], networks[k].Layers[0].W);
    }

    private (Mat<T> S, Mat<T> G) BuffersFor(int n)
    {
        if (!buffers.TryGetValue(n, out var b))
            buffers[n] = b = (new Mat<T>(Rows, n), new Mat<T>(Rows, n));
        return b;
    }

    /// <summary>The rows of <paramref name="source"/> into rows [offset, offset + source.Rows) of <paramref name="stack"/>.</summary>
    private static void CopyRows(Mat<T> source, Mat<T> stack, int offset)
    {
        for (var j = 0; j < source.Cols; j++)
            source.Column(j).CopyTo(stack.Data.AsSpan(offset + j * stack.Rows, source.Rows));
    }

    /// <summary>Rows [offset, offset + target.Rows) of <paramref name="stack"/> into <paramref name="target"/>.</summary>
    private static void CopyRowsOut(Mat<T> stack, int offset, Mat<T> target)
    {
        for (var j = 0; j < target.Cols; j++)
            stack.Data.AsSpan(offset + j * stack.Rows, target.Rows).CopyTo(target.Column(j));
    }
}
