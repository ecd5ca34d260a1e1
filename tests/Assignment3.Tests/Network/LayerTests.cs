using Assignment3.Core.Network;
using Assignment3.Core.Numerics;
using Assignment3.Tests.Numerics;

namespace Assignment3.Tests.Network;

public class LayerTests
{
    private static readonly IGemm Gemm = TestGemmBackends.Default;

    [Fact]
    public void Linear_forward_is_W_x_plus_b_and_backward_gives_the_gradients_of_a_linear_function()
    {
        var w = Synthetic.Gaussian(3, 4, seed: 1);
        var b = new[] { 0.5, -1.0, 2.0 };
        var x = Synthetic.Gaussian(4, 2, seed: 2);
        var s = new Mat<double>(3, 2);

        Linear.Forward(Gemm, w, b, x, s);

        for (var i = 0; i < 3; i++)
        for (var j = 0; j < 2; j++)
            Assert.Equal(b[i] + Enumerable.Range(0, 4).Sum(k => w[i, k] * x[k, j]), s[i, j], 1e-12);

        var g = Synthetic.Gaussian(3, 2, seed: 3);
        var (gW, gB, gX) = (new Mat<double>(3, 4), new double[3], new Mat<double>(4, 2));
        Linear.Backward(Gemm, w, x, g, 0.1, gW, gB, gX);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(g[i, 0] + g[i, 1], gB[i], 1e-12);
            for (var k = 0; k < 4; k++)
                Assert.Equal(g[i, 0] * x[k, 0] + g[i, 1] * x[k, 1] + 0.2 * w[i, k], gW[i, k], 1e-12);
        }
        for (var k = 0; k < 4; k++)
        for (var j = 0; j < 2; j++)
            Assert.Equal(Enumerable.Range(0, 3).Sum(i => w[i, k] * g[i, j]), gX[k, j], 1e-12);
    }

    [Fact]
    public void Batch_norm_training_forward_normalizes_each_feature_over_the_batch_then_scales_and_shifts()
    {
        var s = Synthetic.Gaussian(4, 8, seed: 4, scale: 3);
        var (mean, variance) = (new double[4], new double[4]);
        var (sHat, y) = (new Mat<double>(4, 8), new Mat<double>(4, 8));
        double[] gamma = [1, 2, 0.5, 1],
            beta = [0, 1, -1, 3];

        BatchNorm.ForwardTrain(s, 0.0, mean, variance, sHat, gamma, beta, y);

        for (var i = 0; i < 4; i++)
        {
            var row = Enumerable.Range(0, 8).Select(j => s[i, j]).ToArray();
            Assert.Equal(row.Average(), mean[i], 1e-12);
            Assert.Equal(row.Select(v => (v - row.Average()) * (v - row.Average())).Average(), variance[i], 1e-12); // biased
            var normalized = Enumerable.Range(0, 8).Select(j => sHat[i, j]).ToArray();
            Assert.Equal(0, normalized.Average(), 1e-12);
            Assert.Equal(1, normalized.Select(v => v * v).Average(), 1e-12);
            for (var j = 0; j < 8; j++)
                Assert.Equal(gamma[i] * sHat[i, j] + beta[i], y[i, j], 1e-12);
        }
    }

    [Fact]
    public void Batch_norm_evaluation_uses_the_running_statistics_and_they_are_exponential_moving_averages()
    {
        double[] runningMean = [0, 0],
            runningVariance = [1, 1];
        BatchNorm.UpdateRunningStatistics(runningMean, runningVariance, [2.0, 4.0], [9.0, 1.0], 0.9, first: true);
        Assert.Equal([2.0, 4.0], runningMean);
        BatchNorm.UpdateRunningStatistics(runningMean, runningVariance, [12.0, 4.0], [19.0, 1.0], 0.9, first: false);
        Assert.Equal(3.0, runningMean[0], 1e-12); // 0.9 * 2 + 0.1 * 12
        Assert.Equal(10.0, runningVariance[0], 1e-12); // 0.9 * 9 + 0.1 * 19

        var s = new Mat<double>(2, 1, [6.0, 5.0]);
        var (sHat, y) = (new Mat<double>(2, 1), new Mat<double>(2, 1));
        BatchNorm.ForwardEval(s, 0.0, runningMean, runningVariance, sHat, [1.0, 1.0], [0.0, 0.0], y);
        Assert.Equal(3 / Math.Sqrt(10), y[0, 0], 1e-12);
        Assert.Equal(1.0, y[1, 0], 1e-12);
    }

    [Fact]
    public void Batch_norm_backward_matches_the_textbook_chain_rule_element_by_element()
    {
        var s = Synthetic.Gaussian(3, 6, seed: 5);
        var g = Synthetic.Gaussian(3, 6, seed: 6);
        double[] gamma = [1.5, -0.5, 2],
            beta = [0, 0, 0];
        const double eps = 1e-5;
        var (mean, variance, sHat, y) = (new double[3], new double[3], new Mat<double>(3, 6), new Mat<double>(3, 6));
        BatchNorm.ForwardTrain(s, eps, mean, variance, sHat, gamma, beta, y);
        var expected = new double[3, 6];
        for (var i = 0; i < 3; i++)
        {
            // dC/dS_ij = sum_k dC/dY_ik * gamma_i * dSHat_ik/dS_ij, written out with the derivative of the batch statistics.
            var sigma = Math.Sqrt(variance[i] + eps);
            for (var j = 0; j < 6; j++)
            for (var k = 0; k < 6; k++)
            {
                var dShat =
                    ((j == k ? 1 : 0) - 1.0 / 6) / sigma
                    - (s[i, k] - mean[i]) * (s[i, j] - mean[i]) / (6 * sigma * sigma * sigma);
                expected[i, j] += g[i, k] * gamma[i] * dShat;
            }
        }
        var (gGamma, gBeta) = (new double[3], new double[3]);
        var gammaExpected = Enumerable
            .Range(0, 3)
            .Select(i => Enumerable.Range(0, 6).Sum(j => g[i, j] * sHat[i, j]))
            .ToArray();

        BatchNorm.Backward(g, sHat, variance, eps, gamma, gGamma, gBeta, new double[9]);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(gammaExpected[i], gGamma[i], 1e-12);
            for (var j = 0; j < 6; j++)
                Assert.Equal(expected[i, j], g[i, j], 1e-10);
        }
    }

    [Fact]
    public void Relu_zeroes_negatives_forward_and_blocks_their_gradient_backward()
    {
        double[] h = [-1, 0, 2, 3];
        Relu.Forward<double>(h);
        Assert.Equal([0.0, 0, 2, 3], h);
        double[] g = [5, 6, 7, 8];
        Relu.Backward<double>(h, g);
        Assert.Equal([0.0, 0, 7, 8], g);
    }

    [Fact]
    public void Softmax_cross_entropy_gives_probabilities_the_mean_loss_and_its_gradient()
    {
        var scores = new Mat<double>(3, 2, [1, 2, 3, 0, 0, 0]);
        byte[] labels = [2, 0];

        var loss = SoftmaxCrossEntropy.Forward(scores, labels, new double[scores.Data.Length]);

        var z = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        Assert.Equal(Math.Exp(3) / z, scores[2, 0], 1e-12);
        Assert.Equal(1.0 / 3, scores[0, 1], 1e-12);
        Assert.Equal(-Math.Log(Math.Exp(3) / z) + Math.Log(3), loss, 1e-12);

        var g = new Mat<double>(3, 2);
        SoftmaxCrossEntropy.Backward(scores, labels, g);
        Assert.Equal((Math.Exp(3) / z - 1) / 2, g[2, 0], 1e-12);
        Assert.Equal((1.0 / 3 - 1) / 2, g[0, 1], 1e-12);
        Assert.Equal(1.0 / 6, g[1, 1], 1e-12);
    }

    [Fact]
    public void Softmax_is_stable_for_large_scores()
    {
        var scores = new Mat<float>(2, 1, [1000f, 0f]);
        var loss = SoftmaxCrossEntropy.Forward(scores, [0], new double[scores.Data.Length]);
        Assert.Equal(1f, scores[0, 0]);
        Assert.Equal(0, loss, 1e-6);
    }

    [Fact]
    public void Initialization_draws_weights_with_the_requested_spread_and_sets_biases_beta_and_gamma()
    {
        var spec = new NetworkSpec(400, [300], 10, BatchNorm: true, Initialization.He);
        var network = new Network<double>(spec, seed: 1, Gemm);
        var first = network.Layers[0];
        var std = Math.Sqrt(first.W.Data.Select(v => v * v).Average());
        Assert.Equal(Math.Sqrt(2.0 / 400), std, 0.002);
        Assert.All(first.B, v => Assert.Equal(0, v));
        Assert.All(first.Gamma!, v => Assert.Equal(1, v));
        Assert.All(first.Beta!, v => Assert.Equal(0, v));
        Assert.Null(network.Layers[1].Gamma); // never on the output layer

        var fixedSigma = new Network<double>(spec with { Init = Initialization.FixedSigma(1e-3) }, seed: 1, Gemm);
        Assert.Equal(1e-3, Math.Sqrt(fixedSigma.Layers[0].W.Data.Select(v => v * v).Average()), 1e-4);
        var xavier = new Network<double>(spec with { Init = Initialization.Xavier }, seed: 1, Gemm);
        Assert.Equal(1 / Math.Sqrt(400), Math.Sqrt(xavier.Layers[0].W.Data.Select(v => v * v).Average()), 0.002);
    }
}

public class FusedUpdateTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Folding_L2_into_the_update_equals_descending_the_full_gradient(bool batchNorm)
    {
        var x = Synthetic.Gaussian(12, 6, seed: 1);
        var labels = Synthetic.Labels(6, 10, seed: 2);
        var spec = new NetworkSpec(12, [8, 7], 10, batchNorm, Initialization.He);
        var (fused, plain) = (
            new Network<double>(spec, 4, TestGemmBackends.Default),
            new Network<double>(spec, 4, TestGemmBackends.Default)
        );
        var (wsFused, wsPlain) = (fused.CreateWorkspace(6), plain.CreateWorkspace(6));
        const double lambda = 0.05,
            eta = 0.1;

        fused.Forward(x, labels, wsFused, training: true);
        fused.Backward(x, labels, wsFused, 0.0);
        fused.Step(eta, lambda);
        plain.Forward(x, labels, wsPlain, training: true);
        plain.Backward(x, labels, wsPlain, lambda);
        plain.Step(eta, 0.0);

        for (var p = 0; p < fused.Parameters.Length; p++)
        for (var i = 0; i < fused.Parameters[p].Value.Length; i++)
            Assert.Equal(plain.Parameters[p].Value[i], fused.Parameters[p].Value[i], 1e-14);
    }

    /// <summary>
    /// A weight the step would leave subnormal becomes 0 (multiplying subnormals is slow on x86); every
    /// other weight is exactly decay * w - eta * g. Weight matrices of 96, 56 and 70 floats: whole vectors and tails.
    /// </summary>
    [Fact]
    public void A_weight_that_would_become_subnormal_is_zero_and_the_others_are_untouched()
    {
        var network = new Network<float>(
            new NetworkSpec(12, [8, 7], 10, false, Initialization.He),
            4,
            TestGemmBackends.Default
        );
        const float eta = 0.5f,
            lambda = 0.1f,
            decay = 1 - 2 * eta * lambda;
        var weights = network.Parameters.Where(p => p.Kind == ParameterKind.W).ToArray();
        var expected = new List<float[]>();
        foreach (var w in weights)
        {
            Array.Clear(w.Gradient);
            for (var i = 0; i < w.Value.Length; i++)
                w.Value[i] = i % 3 == 0 ? 1.2e-38f * (i % 2 == 0 ? 1 : -1) : w.Value[i]; // 0.9 x 1.2e-38 is subnormal
            expected.Add(w.Value.Select(v => MathF.Abs(v) == 1.2e-38f ? 0f : decay * v).ToArray());
        }

        network.Step(eta, lambda);

        for (var k = 0; k < weights.Length; k++)
            Assert.Equal(expected[k], weights[k].Value);
        Assert.Contains(0f, weights[2].Value.Skip(64)); // the tail was flushed too
    }
}
