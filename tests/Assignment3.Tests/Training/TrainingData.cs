using Assignment3.Core.Data;
using Assignment3.Core.Numerics;

namespace Assignment3.Tests.Training;

/// <summary>Ten Gaussian clusters in a few dimensions: learnable in a few hundred steps.</summary>
public static class TrainingData
{
    public static DataSplits Clusters(int dimensions = 16, int train = 400, int validation = 100, int test = 100, int seed = 1)
    {
        var random = new Random(seed);
        var centres = Synthetic.Gaussian(dimensions, 10, seed + 100, scale: 2);
        Dataset Make(int count)
        {
            var x = new Mat<float>(dimensions, count);
            var labels = new byte[count];
            for (var j = 0; j < count; j++)
            {
                labels[j] = (byte)random.Next(10);
                for (var i = 0; i < dimensions; i++)
                    x[i, j] = (float)(centres[i, labels[j]] + random.NextDouble() * 2 - 1);
            }
            return new Dataset(x, labels);
        }
        return new DataSplits(Make(train), Make(validation), Make(test), "synthetic clusters");
    }
}
