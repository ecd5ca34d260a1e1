using Assignment3.Core.Numerics;

namespace Assignment3.Tests.Numerics;

public class ElementwiseTests
{
    [Fact]
    public void Dot_adds_each_product_into_running_sum_i_mod_4_and_those_in_pairs_for_every_length()
    {
        var random = new Random(3);
        for (var length = 0; length <= 13; length++)
        {
            var x = Enumerable.Range(0, length).Select(_ => random.NextDouble() * 1e3 - 500).ToArray();
            var y = Enumerable.Range(0, length).Select(_ => random.NextDouble() * 1e-3).ToArray();
            var sums = new double[4];
            for (var i = 0; i < length; i++)
                sums[i % 4] += x[i] * y[i];

            Assert.Equal((sums[0] + sums[1]) + (sums[2] + sums[3]), Elementwise.Dot(x, y));
        }
        var error = Assert.Throws<ArgumentException>(() => Elementwise.Dot(new double[3], new double[4]));
        Assert.Contains("3 and 4", error.Message);
    }
}
