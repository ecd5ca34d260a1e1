namespace Assignment3.Core.Network;

public enum InitKind
{
    He,
    Xavier,
    Sigma,
}

/// <summary>
/// Weight initialization: He (sigma = sqrt(2 / fan_in)), Xavier (sigma = 1 / sqrt(fan_in)),
/// or a fixed sigma. W ~ N(0, sigma^2); biases and beta 0, gamma 1.
/// </summary>
public sealed record Initialization(InitKind Kind, double Sigma = 0)
{
    public static readonly Initialization He = new(InitKind.He);
    public static readonly Initialization Xavier = new(InitKind.Xavier);

    public static Initialization FixedSigma(double sigma) => new(InitKind.Sigma, sigma);

    public double SigmaFor(int fanIn) =>
        Kind switch
        {
            InitKind.He => Math.Sqrt(2.0 / fanIn),
            InitKind.Xavier => 1.0 / Math.Sqrt(fanIn),
            _ => Sigma,
        };

    public override string ToString() => Kind == InitKind.Sigma ? $"sigma={Sigma:G3}" : Kind.ToString();
}

/// <summary>
/// A k-layer network: Hidden.Count hidden layers (linear, optional batch norm, ReLU) and a
/// linear output layer with softmax. Batch norm is never applied to the output layer.
/// </summary>
public sealed record NetworkSpec(
    int InputSize,
    IReadOnlyList<int> Hidden,
    int Classes,
    bool BatchNorm,
    Initialization Init,
    double BatchNormAlpha = 0.9,
    double BatchNormEpsilon = 1e-5
)
{
    public int LayerCount => Hidden.Count + 1;

    /// <summary>Width of layer l's input (l = 0 is the first linear layer).</summary>
    public int FanIn(int layer) => layer == 0 ? InputSize : Hidden[layer - 1];

    /// <summary>Width of layer l's output.</summary>
    public int Width(int layer) => layer == Hidden.Count ? Classes : Hidden[layer];

    public void Validate()
    {
        if (InputSize < 1)
            throw new ArgumentException($"input size must be at least 1, got {InputSize}");
        if (Classes < 2)
            throw new ArgumentException($"classes must be at least 2, got {Classes}");
        if (Hidden.Any(h => h < 1))
            throw new ArgumentException($"hidden sizes must be at least 1, got [{string.Join(", ", Hidden)}]");
        if (BatchNormAlpha is < 0 or >= 1)
            throw new ArgumentException($"batch-norm alpha must be in [0, 1), got {BatchNormAlpha}");
        if (Init.Kind == InitKind.Sigma && !(Init.Sigma > 0))
            throw new ArgumentException($"init sigma must be positive, got {Init.Sigma}");
    }
}
