using System.Numerics;
using Assignment3.Core.Numerics;

namespace Assignment3.Core.Network;

/// <summary>
/// One layer's parameters and gradients. W m x d, b m; for a normalized hidden layer also
/// gamma, beta and the running mean and variance used at evaluation time (all m).
/// </summary>
public sealed class Layer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public Layer(int fanIn, int width, bool batchNorm)
    {
        W = new Mat<T>(width, fanIn);
        B = new T[width];
        GradW = new Mat<T>(width, fanIn);
        GradB = new T[width];
        if (!batchNorm)
            return;
        Gamma = Enumerable.Repeat(T.One, width).ToArray();
        Beta = new T[width];
        GradGamma = new T[width];
        GradBeta = new T[width];
        RunningMean = new T[width];
        RunningVariance = Enumerable.Repeat(T.One, width).ToArray();
    }

    public int Width => W.Rows;
    public int FanIn => W.Cols;
    public bool BatchNorm => Gamma is not null;

    public Mat<T> W { get; }
    public T[] B { get; }
    public Mat<T> GradW { get; }
    public T[] GradB { get; }

    public T[]? Gamma { get; }
    public T[]? Beta { get; }
    public T[]? GradGamma { get; }
    public T[]? GradBeta { get; }
    public T[]? RunningMean { get; }
    public T[]? RunningVariance { get; }
}
