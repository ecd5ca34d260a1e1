using Assignment3.Core.Network;
using Assignment3.Core.Numerics;
using Assignment3.Core.Verification;
using Assignment3.Tests.Numerics;

namespace Assignment3.Tests.Verification;

/// <summary>The check must be able to fail: a BN backward pass with one term dropped is reported above threshold.</summary>
public class GradientCheckCatchesBugsTests
{
    private const double Lambda = 0.01;
    private static readonly IGemm Gemm = TestGemmBackends.Default;

    [Fact]
    public void Dropping_the_variance_term_of_the_batch_norm_backward_pass_is_caught()
    {
        var checks = CheckTwoLayerNetwork(DropVarianceTerm);

        var firstW = checks.Single(c => c.Layer == 1 && c.Parameter == ParameterKind.W);
        Assert.False(firstW.Passed);
        Assert.True(firstW.RelativeError > 1e-3, $"relative error {firstW.RelativeError:E2}");
        // gamma and beta are computed before the dropped term and stay right.
        Assert.True(checks.Single(c => c.Layer == 1 && c.Parameter == ParameterKind.gamma).Passed);
    }

    [Fact]
    public void The_same_hand_composed_backward_pass_with_the_real_batch_norm_passes()
    {
        var checks = CheckTwoLayerNetwork(BatchNorm.Backward);

        Assert.All(checks, c => Assert.True(c.Passed, $"layer {c.Layer} {c.Parameter}: {c.RelativeError:E2}"));
    }

    private delegate void BatchNormBackward(
        Mat<double> g,
        Mat<double> sHat,
        double[] variance,
        double eps,
        double[] gamma,
        double[] gGamma,
        double[] gBeta,
        double[] scratch
    );

    /// <summary>A 2-layer BN network whose backward pass is composed here from the layer functions.</summary>
    private static IReadOnlyList<ParameterCheck> CheckTwoLayerNetwork(BatchNormBackward batchNormBackward)
    {
        var x = Synthetic.Gaussian(20, 5, seed: 11);
        var labels = Synthetic.Labels(5, 10, seed: 12);
        var spec = new NetworkSpec(20, [30], 10, BatchNorm: true, Initialization.He);
        var network = new Network<double>(spec, seed: 5, Gemm);
        var (hidden, output) = (network.Layers[0], network.Layers[1]);

        return GradientCheck.Run(network, x, labels, Lambda, new GradientCheckOptions(), ws =>
        {
            network.Forward(x, labels, ws, training: true);
            SoftmaxCrossEntropy.Backward(ws.Probabilities, labels, ws.GradScores);
            Linear.Backward(Gemm, output.W, ws.H[0], ws.GradScores, Lambda, output.GradW, output.GradB, ws.G[0]);
            Relu.Backward<double>(ws.H[0].Data, ws.G[0].Data);
            batchNormBackward(
                ws.G[0],
                ws.SHat[0]!,
                ws.Variance[0],
                spec.BatchNormEpsilon,
                hidden.Gamma!,
                hidden.GradGamma!,
                hidden.GradBeta!,
                ws.Scratch
            );
            Linear.Backward(Gemm, hidden.W, x, ws.G[0], Lambda, hidden.GradW, hidden.GradB, null);
        });
    }

    /// <summary>The bug: treats the variance as a constant, i.e. dC/dS = gamma / sigma * (G - mean(G)).</summary>
    private static void DropVarianceTerm(
        Mat<double> g,
        Mat<double> sHat,
        double[] variance,
        double eps,
        double[] gamma,
        double[] gGamma,
        double[] gBeta,
        double[] scratch
    )
    {
        RowOps.RowSums(g, gBeta);
        RowOps.RowDots(g, sHat, gGamma);
        for (var i = 0; i < g.Rows; i++)
        {
            var scale = gamma[i] / Math.Sqrt(variance[i] + eps);
            var mean = gBeta[i] / g.Cols;
            for (var j = 0; j < g.Cols; j++)
                g[i, j] = scale * (g[i, j] - mean);
        }
    }
}
