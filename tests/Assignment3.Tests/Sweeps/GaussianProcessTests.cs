using Assignment3.Core.Randomness;
using Assignment3.Experiments.Search;
using MathNet.Numerics.LinearAlgebra;

namespace Assignment3.Tests.Sweeps;

/// <summary>
/// The GP's fit climbs the analytic gradient of its log marginal likelihood: it must be the true one. Past
/// <see cref="GaussianProcess.ExactObservations"/> the posterior grows one point at a time: it must be the exact one.
/// </summary>
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

    [Fact]
    public void The_growing_posterior_is_the_exact_one_and_a_believed_point_gives_what_refitting_with_it_would()
    {
        var random = new Xoshiro256StarStar(5);
        bool[] categorical = [false, true, false];
        double[] Draw() => categorical.Select(c => c ? random.Next(3) : random.NextDouble()).ToArray();
        var inputs = Enumerable.Range(0, 130).Select(_ => Draw()).ToArray();
        var targets = inputs.Select(x => Math.Cos(5 * x[0]) - 0.5 * x[1] + x[2] * x[2]).ToArray();
        // Noise small enough that the matrix is badly conditioned (about 1e6), as a fitted GP's often is.
        var kernel = new MaternKernel(categorical, [Math.Log(0.4), Math.Log(1.5), Math.Log(0.2), 0, Math.Log(1e-5)]);
        var at = Enumerable.Range(0, 50).Select(_ => Draw()).Append(inputs[7]).ToArray();

        var grown = GrowingPosterior.Of(kernel, inputs, targets);
        AssertClose(Exact(kernel, inputs, targets, at), grown.Predict(at));

        // Three believed points (one at an observed input), against the posterior built with them from the start.
        var (believed, believedTargets) = (new[] { Draw(), inputs[3], Draw() }, new[] { 0.3, targets[3], -1.2 });
        var before = grown.Predict(at);
        var believing = grown;
        for (var i = 0; i < believed.Length; i++)
            believing = believing.With(believed[i], believedTargets[i]);
        AssertClose(
            GrowingPosterior.Of(kernel, [.. inputs, .. believed], [.. targets, .. believedTargets]).Predict(at),
            believing.Predict(at)
        );
        var after = grown.Predict(at); // With leaves the posterior it grew from as it was
        Assert.Equal(before.Mean, after.Mean);
        Assert.Equal(before.Sd, after.Sd);
    }

    [Fact]
    public void Past_the_exact_limit_a_round_is_the_same_every_time_and_proposes_only_new_points()
    {
        var objective = SyntheticObjective.Hartmann6;
        var random = new Xoshiro256StarStar(3);
        var observed = Enumerable
            .Range(0, GaussianProcess.ExactObservations + 40)
            .Select(_ => objective.Space.Sample(random))
            .Select(p => new Observation(p, objective.Evaluate(p)))
            .ToArray();
        var pending = Enumerable.Range(0, 4).Select(_ => objective.Space.Sample(random)).ToArray();
        var search = objective.Search(GaussianProcessSearch.Instance, observed.Length + 20, 10, 4, 1);
        double[][] Round() =>
            SearchRounds.Propose(
                new RoundRequest(
                    search,
                    7,
                    "coarse",
                    30,
                    observed,
                    pending,
                    [.. observed.Select(o => o.Point), .. pending],
                    4
                )
            );

        var round = Round();

        Assert.Equal(4, round.Length);
        Assert.Equal(round, Round());
        var before = observed.Select(o => o.Point).Concat(pending).Select(ProposalSet.Key).ToHashSet();
        Assert.Equal(4, round.Select(ProposalSet.Key).Where(k => !before.Contains(k)).Distinct().Count());
        // The model learnt: its points are better than the observations' median.
        var median = observed.Select(o => o.Loss).Order().ElementAt(observed.Length / 2);
        Assert.All(round, p =>
            Assert.True(objective.Evaluate(p) < median, $"{objective.Evaluate(p)} vs median {median}")
        );
    }

    /// <summary>Mean and sd from K + (noise + jitter) I solved by MathNet, as the exact posterior does.</summary>
    private static (double[] Mean, double[] Sd) Exact(
        MaternKernel kernel,
        double[][] inputs,
        double[] targets,
        double[][] at
    )
    {
        var k = Matrix<double>.Build.Dense(inputs.Length, inputs.Length, (i, j) =>
            kernel.Covariance(inputs[i], inputs[j]) + (i == j ? kernel.Noise + GaussianProcess.Jitter : 0)
        );
        var cross = Matrix<double>.Build.Dense(inputs.Length, at.Length, (i, j) => kernel.Covariance(inputs[i], at[j]));
        var factor = k.Cholesky();
        var mean = cross.TransposeThisAndMultiply(factor.Solve(Vector<double>.Build.DenseOfArray(targets)));
        var explained = cross.PointwiseMultiply(factor.Solve(cross)).ColumnSums();
        return (mean.ToArray(), explained.Select(e => Math.Sqrt(Math.Max(kernel.Signal - e, 1e-12))).ToArray());
    }

    private static void AssertClose((double[] Mean, double[] Sd) expected, (double[] Mean, double[] Sd) actual)
    {
        for (var j = 0; j < expected.Mean.Length; j++)
        {
            Assert.True(
                Math.Abs(expected.Mean[j] - actual.Mean[j]) < 1e-7,
                $"mean {j}: {expected.Mean[j]:R} vs {actual.Mean[j]:R}"
            );
            Assert.True(
                Math.Abs(expected.Sd[j] - actual.Sd[j]) < 1e-6,
                $"sd {j}: {expected.Sd[j]:R} vs {actual.Sd[j]:R}"
            );
        }
    }
}
