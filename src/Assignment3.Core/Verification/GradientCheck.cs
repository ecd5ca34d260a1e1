using Assignment3.Core.Network;
using Assignment3.Core.Numerics;

namespace Assignment3.Core.Verification;

/// <param name="H">Step of the centred differences.</param>
/// <param name="Threshold">Largest norm relative error that passes.</param>
/// <param name="ZeroGradientNorm">
/// Both gradients below this norm: the true gradient is zero (a bias under batch norm). The
/// numeric side may instead be below its roundoff floor: a centred difference of a cost C can only
/// resolve multiples of ulp(C) / 2h (about 2.2e-11 for C near 2.3 and h = 1e-5), so a zero gradient
/// of many elements can measure above 1e-10 from rounding alone.
/// </param>
/// <param name="ZeroGradientAbsoluteTolerance">Largest absolute error that passes for a zero gradient.</param>
public sealed record GradientCheckOptions(
    double H = 1e-5,
    double Threshold = 1e-6,
    double ZeroGradientNorm = 1e-10,
    double ZeroGradientAbsoluteTolerance = 1e-8
);

/// <summary>
/// One parameter tensor's comparison. RelativeError = ||g_a - g_n|| / max(1e-12, ||g_a|| + ||g_n||)
/// (Frobenius), ElementwiseRelativeError = max_i |g_a - g_n| / max(1e-6, |g_a| + |g_n|),
/// AbsoluteError = max_i |g_a - g_n|.
/// </summary>
public sealed record ParameterCheck(
    int Layer,
    ParameterKind Parameter,
    double RelativeError,
    double ElementwiseRelativeError,
    double AbsoluteError,
    bool ZeroGradient,
    bool Passed
);

/// <summary>Compares analytic gradients with centred finite differences of the training-mode cost, in float64.</summary>
public static class GradientCheck
{
    /// <summary>
    /// Checks every parameter of <paramref name="network"/> on the batch (X, labels).
    /// <paramref name="analytic"/> fills the network's gradient buffers; by default the network's
    /// own forward and backward passes.
    /// </summary>
    public static IReadOnlyList<ParameterCheck> Run(
        Network<double> network,
        Mat<double> x,
        byte[] labels,
        double lambda,
        GradientCheckOptions options,
        Action<Workspace<double>>? analytic = null
    )
    {
        var ws = network.CreateWorkspace(x.Cols);
        analytic ??= w =>
        {
            network.Forward(x, labels, w, training: true);
            network.Backward(x, labels, w, lambda);
        };
        analytic(ws);

        double Cost() =>
            network.Forward(x, labels, ws, training: true) / x.Cols + lambda * network.SumOfSquaredWeights();
        var cost = Cost();
        // A few ulps of the cost in each of the two evaluations, per element.
        var roundoffPerElement = 4 * (Math.BitIncrement(cost) - cost) / (2 * options.H);

        var results = new List<ParameterCheck>();
        foreach (var p in network.Parameters)
        {
            var numeric = new double[p.Value.Length];
            for (var i = 0; i < p.Value.Length; i++)
            {
                var original = p.Value[i];
                p.Value[i] = original + options.H;
                var plus = Cost();
                p.Value[i] = original - options.H;
                var minus = Cost();
                p.Value[i] = original;
                numeric[i] = (plus - minus) / (2 * options.H);
            }
            results.Add(Compare(p.Layer, p.Kind, p.Gradient, numeric, options, roundoffPerElement));
        }
        return results;
    }

    public static ParameterCheck Compare(
        int layer,
        ParameterKind kind,
        ReadOnlySpan<double> analytic,
        ReadOnlySpan<double> numeric,
        GradientCheckOptions options,
        double numericRoundoffPerElement = 0
    )
    {
        double diffSquares = 0,
            analyticSquares = 0,
            numericSquares = 0,
            elementwise = 0,
            absolute = 0;
        for (var i = 0; i < analytic.Length; i++)
        {
            var diff = Math.Abs(analytic[i] - numeric[i]);
            diffSquares += diff * diff;
            analyticSquares += analytic[i] * analytic[i];
            numericSquares += numeric[i] * numeric[i];
            absolute = Math.Max(absolute, diff);
            elementwise = Math.Max(elementwise, diff / Math.Max(1e-6, Math.Abs(analytic[i]) + Math.Abs(numeric[i])));
        }
        var analyticNorm = Math.Sqrt(analyticSquares);
        var numericNorm = Math.Sqrt(numericSquares);
        var relative = Math.Sqrt(diffSquares) / Math.Max(1e-12, analyticNorm + numericNorm);
        var numericZeroNorm = Math.Max(
            options.ZeroGradientNorm,
            numericRoundoffPerElement * Math.Sqrt(analytic.Length)
        );
        var zero = analyticNorm < options.ZeroGradientNorm && numericNorm < numericZeroNorm;
        var passed = zero ? absolute <= options.ZeroGradientAbsoluteTolerance : relative <= options.Threshold;
        return new ParameterCheck(layer, kind, relative, elementwise, absolute, zero, passed);
    }
}
