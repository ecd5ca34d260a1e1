using Assignment3.Core.Randomness;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;
using MathNet.Numerics.Optimization;

namespace Assignment3.Experiments.Search;

/// <summary>
/// A Gaussian process over a search space: Matern-5/2 kernel with one lengthscale per dimension,
/// signal variance and noise variance, fitted to standardized losses by maximizing the log marginal
/// likelihood (box-constrained BFGS from MathNet, from a fixed start and seeded restarts). Inputs:
/// numeric dimensions as positions in [0, 1] (log10 for log ranges, integers at their whole values);
/// a categorical dimension adds 1 to the squared distance when the choices differ (an overlap kernel).
/// Linear algebra (Cholesky, solves) is MathNet's.
/// </summary>
public sealed class GaussianProcess
{
    // Box bounds of the hyperparameters (ours, for standardized targets and inputs in [0, 1]): lengthscales
    // from 0.01 (finer than any grid a search resolves) to 20 (flat: the dimension does not matter), signal
    // variance 0.05 to 20, noise variance 1e-6 to 1 (the whole standardized variance).
    private const double MinLogLengthscale = -4.6,
        MaxLogLengthscale = 3.0;
    private const double MinSignal = 0.05,
        MaxSignal = 20,
        MinNoise = 1e-6,
        MaxNoise = 1;

    // The first start (ours): lengthscale 0.3 of the range, signal 1 (the targets' variance), noise 1e-2.
    private const double StartLengthscale = 0.3,
        StartSignal = 1,
        StartNoise = 1e-2;

    // MathNet's box-constrained BFGS: gradient, step and function tolerances and an iteration cap (ours:
    // a good fit, not a converged one, is what a proposal needs).
    private const double GradientTolerance = 1e-5,
        ParameterTolerance = 1e-6,
        FunctionProgressTolerance = 1e-8;
    private const int MaxIterations = 200;

    /// <summary>Seeded restarts after the fixed start (ours: enough to escape a flat start on 2-6 dimensions).</summary>
    public const int Restarts = 2;

    private static readonly double Sqrt5 = Math.Sqrt(5);

    private readonly bool[] categorical;
    private readonly double[][] inputs;
    private readonly double[] targets;
    private readonly Cholesky<double> factor;
    private readonly Vector<double> alpha;

    /// <summary>exp: lengthscales (per dimension), then signal variance, then noise variance.</summary>
    private readonly double[] logParameters;

    private GaussianProcess(bool[] categorical, double[][] inputs, double[] targets, double[] logParameters)
    {
        this.categorical = categorical;
        this.inputs = inputs;
        this.targets = targets;
        this.logParameters = logParameters;
        factor = Factor(categorical, inputs, logParameters);
        alpha = factor.Solve(Vector<double>.Build.DenseOfArray(targets));
    }

    public IReadOnlyList<double> Lengthscales => logParameters.Take(categorical.Length).Select(Math.Exp).ToArray();

    /// <summary>Fits the hyperparameters to (inputs, targets) (targets standardized by the caller).</summary>
    public static GaussianProcess Fit(
        bool[] categorical,
        double[][] inputs,
        double[] targets,
        Xoshiro256StarStar random,
        int restarts = Restarts
    )
    {
        var d = categorical.Length;
        var lower = Vector<double>.Build.DenseOfEnumerable(
            Enumerable.Repeat(MinLogLengthscale, d).Concat([Math.Log(MinSignal), Math.Log(MinNoise)])
        );
        var upper = Vector<double>.Build.DenseOfEnumerable(
            Enumerable.Repeat(MaxLogLengthscale, d).Concat([Math.Log(MaxSignal), Math.Log(MaxNoise)])
        );
        double[] first =
        [
            .. Enumerable.Repeat(Math.Log(StartLengthscale), d),
            Math.Log(StartSignal),
            Math.Log(StartNoise),
        ];
        var starts = new List<double[]> { first };
        for (var r = 0; r < restarts; r++)
            starts.Add(
                Enumerable.Range(0, d + 2).Select(i => lower[i] + random.NextDouble() * (upper[i] - lower[i])).ToArray()
            );

        double[]? best = null;
        var bestValue = double.PositiveInfinity;
        void Consider(double[] theta, double value)
        {
            if (value < bestValue && double.IsFinite(value))
                (best, bestValue) = ((double[])theta.Clone(), value);
        }
        var objective = ObjectiveFunction.Gradient(theta =>
        {
            var (value, gradient) = NegativeLogLikelihood(categorical, inputs, targets, theta.ToArray());
            Consider(theta.ToArray(), value);
            return (value, Vector<double>.Build.DenseOfArray(gradient));
        });
        foreach (var start in starts)
        {
            try
            {
                new BfgsBMinimizer(
                    GradientTolerance,
                    ParameterTolerance,
                    FunctionProgressTolerance,
                    MaxIterations
                ).FindMinimum(objective, lower, upper, Vector<double>.Build.DenseOfArray(start));
            }
            catch (Exception e) when (e is MaximumIterationsException or OptimizationException or ArgumentException)
            {
                // The best point evaluated so far stands (recorded by Consider): what matters is a good fit, not a converged one.
            }
        }
        return new GaussianProcess(categorical, inputs, targets, best ?? starts[0]);
    }

    /// <summary>The same kernel and hyperparameters with one more (input, target): a believed result (kriging believer).</summary>
    public GaussianProcess With(double[] input, double target) =>
        new(categorical, [.. inputs, input], [.. targets, target], logParameters);

    /// <summary>Posterior mean and standard deviation of the latent function at each input (standardized units).</summary>
    public (double[] Mean, double[] Sd) Predict(IReadOnlyList<double[]> at)
    {
        var n = inputs.Length;
        var cross = Matrix<double>.Build.Dense(n, at.Count, (i, j) =>
            Covariance(categorical, logParameters, inputs[i], at[j])
        );
        var solved = factor.Solve(cross);
        var mean = cross.TransposeThisAndMultiply(alpha).ToArray();
        var signal = Math.Exp(logParameters[categorical.Length]);
        var sd = new double[at.Count];
        for (var j = 0; j < at.Count; j++)
        {
            var explained = 0.0;
            for (var i = 0; i < n; i++)
                explained += cross[i, j] * solved[i, j];
            sd[j] = Math.Sqrt(Math.Max(signal - explained, 1e-12));
        }
        return (mean, sd);
    }

    private static Cholesky<double> Factor(bool[] categorical, double[][] inputs, double[] theta)
    {
        var n = inputs.Length;
        var noise = Math.Exp(theta[^1]);
        for (var jitter = 1e-8; ; jitter *= 10)
        {
            var k = Matrix<double>.Build.Dense(n, n, (i, j) =>
                Covariance(categorical, theta, inputs[i], inputs[j]) + (i == j ? noise + jitter : 0)
            );
            try
            {
                return k.Cholesky();
            }
            catch (ArgumentException) when (jitter < 1e-2)
            {
                // Not positive definite in floating point (near-duplicate inputs): a little more on the diagonal.
            }
        }
    }

    /// <summary>The negative log marginal likelihood and its gradient in the log hyperparameters.</summary>
    internal static (double Value, double[] Gradient) NegativeLogLikelihood(
        bool[] categorical,
        double[][] inputs,
        double[] targets,
        double[] theta
    )
    {
        var n = inputs.Length;
        var d = categorical.Length;
        Cholesky<double> factor;
        try
        {
            factor = Factor(categorical, inputs, theta);
        }
        catch (ArgumentException)
        {
            return (double.PositiveInfinity, new double[theta.Length]);
        }
        var y = Vector<double>.Build.DenseOfArray(targets);
        var alpha = factor.Solve(y);
        var value = 0.5 * y.DotProduct(alpha) + 0.5 * factor.DeterminantLn + 0.5 * n * Math.Log(2 * Math.PI);
        // d(-log L)/d theta = -1/2 tr((alpha alpha^T - K^-1) dK/dtheta)
        var inverse = factor.Solve(Matrix<double>.Build.DenseIdentity(n));
        var signal = Math.Exp(theta[d]);
        var gradient = new double[theta.Length];
        for (var i = 0; i < n; i++)
        for (var j = 0; j < n; j++)
        {
            var w = alpha[i] * alpha[j] - inverse[i, j];
            var r2 = 0.0;
            for (var k = 0; k < d; k++)
                r2 += Contribution(categorical[k], inputs[i][k], inputs[j][k], theta[k]);
            var r = Math.Sqrt(r2);
            var decay = Math.Exp(-Sqrt5 * r);
            gradient[d] -= 0.5 * w * signal * (1 + Sqrt5 * r + 5.0 / 3 * r2) * decay;
            var radial = signal * 5.0 / 3 * (1 + Sqrt5 * r) * decay; // dk/dlog(l_k) = radial * (x_k - x'_k)^2 / l_k^2
            for (var k = 0; k < d; k++)
                gradient[k] -= 0.5 * w * radial * Contribution(categorical[k], inputs[i][k], inputs[j][k], theta[k]);
            if (i == j)
                gradient[d + 1] -= 0.5 * w * Math.Exp(theta[d + 1]);
        }
        return (value, gradient);
    }

    /// <summary>Dimension k's share of the squared scaled distance: (x - x')^2 / l^2, or (x != x') / l^2 for a categorical one.</summary>
    private static double Contribution(bool categorical, double a, double b, double logLengthscale)
    {
        var delta = categorical ? (a == b ? 0 : 1) : a - b;
        return delta * delta * Math.Exp(-2 * logLengthscale);
    }

    private static double Covariance(bool[] categorical, double[] theta, double[] a, double[] b)
    {
        var r2 = 0.0;
        for (var k = 0; k < categorical.Length; k++)
            r2 += Contribution(categorical[k], a[k], b[k], theta[k]);
        var r = Math.Sqrt(r2);
        return Math.Exp(theta[categorical.Length]) * (1 + Sqrt5 * r + 5.0 / 3 * r2) * Math.Exp(-Sqrt5 * r);
    }
}
