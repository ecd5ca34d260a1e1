using System.Numerics;
using Assignment3.Core.Numerics;

namespace Assignment3.Core.Network;

/// <summary>
/// Every buffer one forward and backward pass over a batch of <see cref="BatchSize"/> samples
/// needs, allocated once. For hidden layer l (width m): S m x n (linear output) and SHat m x n
/// (normalized S), both for batch norm only, H m x n (layer output after scale/shift and ReLU), G m x n
/// (gradient with respect to H, then S, in place), batch mean and variance m. The output layer
/// keeps its scores, turned into probabilities in place, and their gradient (K x n), with the
/// softmax's scratch (K x n doubles).
/// </summary>
public sealed class Workspace<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public Workspace(NetworkSpec spec, int batchSize)
    {
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), "batch size must be at least 1");
        BatchSize = batchSize;
        var hidden = spec.Hidden.Count;
        S = new Mat<T>?[hidden];
        SHat = new Mat<T>?[hidden];
        H = new Mat<T>[hidden];
        G = new Mat<T>[hidden];
        Mean = new T[hidden][];
        Variance = new T[hidden][];
        for (var l = 0; l < hidden; l++)
        {
            var m = spec.Hidden[l];
            H[l] = new Mat<T>(m, batchSize);
            G[l] = new Mat<T>(m, batchSize);
            S[l] = spec.BatchNorm ? new Mat<T>(m, batchSize) : null;
            SHat[l] = spec.BatchNorm ? new Mat<T>(m, batchSize) : null;
            Mean[l] = new T[m];
            Variance[l] = new T[m];
        }
        Probabilities = new Mat<T>(spec.Classes, batchSize);
        GradScores = new Mat<T>(spec.Classes, batchSize);
        Exponents = new double[spec.Classes * batchSize];
        Scratch = new T[3 * Math.Max(spec.Classes, spec.Hidden.DefaultIfEmpty(0).Max())];
        Predictions = new int[batchSize];
    }

    public int BatchSize { get; }

    /// <summary>Where the first layer's product W X + b goes: S with batch norm, else H (made ReLU in place).</summary>
    public Mat<T> FirstProduct => S[0] ?? H[0];
    public Mat<T>?[] S { get; }
    public Mat<T>?[] SHat { get; }
    public Mat<T>[] H { get; }
    public Mat<T>[] G { get; }
    public T[][] Mean { get; }
    public T[][] Variance { get; }
    public Mat<T> Probabilities { get; }
    public Mat<T> GradScores { get; }
    public double[] Exponents { get; }
    public T[] Scratch { get; }
    public int[] Predictions { get; }
}
