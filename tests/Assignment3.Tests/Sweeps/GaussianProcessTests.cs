using Assignment3.Core.Randomness;
using Assignment3.Experiments.Search;

namespace Assignment3.Tests.Sweeps;

/// <summary>The GP's fit climbs the analytic gradient of its log marginal likelihood: it must be the true one.</summary>
public class GaussianProcessTests
{
    [Fact]
    public void The_likelihoods_gradient_matches_centred_finite_differences_for_every_hyperparameter()
    {
        var random = new Xoshiro256StarStar(11);
        bool[] categorical = [false, false, true, false];
        var inputs = Enumerable
            .Range(0, 15)
            .Select(_ => categorical.Select(c => c ? random.Next(3) : random.NextDouble()).ToArray())
            .ToArray();
        var targets = inputs
            .Select(x => Math.Sin(4 * x[0]) + x[1] * x[1] - 0.3 * x[2] + 0.1 * (random.NextDouble() - 0.5))
            .ToArray();
        double[][] thetas =
        [
            [Math.Log(0.3), Math.Log(0.3), Math.Log(0.3), Math.Log(0.3), 0, Math.Log(1e-2)],
            [Math.Log(0.05), Math.Log(2), Math.Log(0.7), Math.Log(10), Math.Log(3), Math.Log(1e-4)],
            .. Enumerable
                .Range(0, 3)
                .Select(_ =>
                    Enumerable
                        .Range(0, 6)
                        .Select(i => i < 4 ? -3 + 4 * random.NextDouble() : -4 + 3 * random.NextDouble())
                        .ToArray()
                ),
        ];
        const double h = 1e-5;

        foreach (var theta in thetas)
        {
            var (_, gradient) = GaussianProcess.NegativeLogLikelihood(categorical, inputs, targets, theta);
            for (var k = 0; k < theta.Length; k++)
            {
                double At(double step)
                {
                    var moved = (double[])theta.Clone();
                    moved[k] += step;
                    return GaussianProcess.NegativeLogLikelihood(categorical, inputs, targets, moved).Value;
                }
                var numeric = (At(h) - At(-h)) / (2 * h);
                // Relative error, and below 1e-3 an absolute one: a centred difference of a value near 10 resolves
                // little below 1e-9 (ulp / h plus its h^2 truncation), so tiny components are judged by that.
                var error = Math.Abs(gradient[k] - numeric) / Math.Max(1e-3, Math.Abs(gradient[k]) + Math.Abs(numeric));
                Assert.True(
                    error < 1e-5,
                    $"theta {string.Join(", ", theta.Select(t => t.ToString("F3")))}: d/d theta[{k}] analytic {gradient[k]:R}, numeric {numeric:R}"
                );
            }
        }
    }
}
