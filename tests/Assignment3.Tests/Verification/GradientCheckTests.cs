using Assignment3.Core.Network;
using Assignment3.Core.Numerics;
using Assignment3.Core.Verification;
using Xunit.Abstractions;

namespace Assignment3.Tests.Verification;

public class GradientCheckTests(ITestOutputHelper output)
{
    private const int Dimensions = 20;
    private const int Samples = 5;
    private const double Lambda = 0.01;

    public static IEnumerable<object[]> Networks() =>
        from backend in Assignment3.Tests.Numerics.TestGemmBackends.All
        from network in new (int[] Hidden, bool BatchNorm)[]
        {
            ([50], false),
            ([50, 50], false),
            ([50, 30, 20], false),
            ([50], true),
            ([50, 50], true),
            ([50, 30, 20], true),
        }
        select new object[] { network.Hidden, network.BatchNorm, backend.Name };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Analytic_gradients_match_finite_differences(int[] hidden, bool batchNorm, string backend)
    {
        var x = Synthetic.Gaussian(Dimensions, Samples, seed: 7);
        var labels = Synthetic.Labels(Samples, 10, seed: 8);
        var network = new Network<double>(
            new NetworkSpec(Dimensions, hidden, 10, batchNorm, Initialization.He),
            seed: 3,
            Assignment3.Tests.Numerics.TestGemmBackends.ByName(backend)
        );

        var checks = GradientCheck.Run(network, x, labels, Lambda, new GradientCheckOptions());

        foreach (var c in checks)
            output.WriteLine(
                $"layer {c.Layer} {c.Parameter, -5} rel {c.RelativeError:E2} elem "
                    + $"{c.ElementwiseRelativeError:E2} abs {c.AbsoluteError:E2} zero {c.ZeroGradient}"
            );
        Assert.Equal(network.Parameters.Length, checks.Count);
        foreach (var c in checks)
        {
            Assert.True(c.Passed, $"layer {c.Layer} {c.Parameter} failed");
            if (c.ZeroGradient)
                continue;
            Assert.True(
                c.RelativeError < 1e-7,
                $"layer {c.Layer} {c.Parameter}: norm relative error {c.RelativeError:E2}"
            );
            Assert.True(
                c.ElementwiseRelativeError < 1e-4,
                $"layer {c.Layer} {c.Parameter}: element-wise relative error {c.ElementwiseRelativeError:E2}"
            );
        }
        // Under batch norm the bias of every normalized layer cancels out: its gradient is exactly zero.
        var hiddenBiases = checks.Where(c => c.Parameter == ParameterKind.b && c.Layer <= hidden.Length);
        Assert.All(hiddenBiases, c => Assert.Equal(batchNorm, c.ZeroGradient));
        Assert.False(checks.Single(c => c.Parameter == ParameterKind.b && c.Layer == hidden.Length + 1).ZeroGradient);
    }
}
