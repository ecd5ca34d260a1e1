using Assignment3.Core.Data;

namespace Assignment3.Tests.Training;

/// <summary>Ten clusters of byte images in a few dimensions: learnable in a few hundred steps.</summary>
public static class TrainingData
{
    public static DataSplits Clusters(
        int dimensions = 16,
        int train = 400,
        int validation = 100,
        int test = 100,
        int seed = 1
    )
    {
        var random = new Random(seed);
        var centres = Synthetic.Gaussian(dimensions, 10, seed + 100, scale: 2);
        (byte[] Pixels, byte[] Labels) Make(int count)
        {
            var pixels = new byte[dimensions * count];
            var labels = new byte[count];
            for (var j = 0; j < count; j++)
            {
                labels[j] = (byte)random.Next(10);
                for (var i = 0; i < dimensions; i++)
                    pixels[j * dimensions + i] = (byte)
                        Math.Clamp(128 + 25 * (centres[i, labels[j]] + random.NextDouble() * 2 - 1), 0, 255);
            }
            return (pixels, labels);
        }
        var (trainSet, validationSet, testSet) = (Make(train), Make(validation), Make(test));
        var standardizer = Standardizer.Fit(trainSet.Pixels, dimensions, train);
        Dataset Standardized((byte[] Pixels, byte[] Labels) set) =>
            new(set.Pixels, dimensions, set.Labels, standardizer);
        return new DataSplits(
            Standardized(trainSet),
            Standardized(validationSet),
            Standardized(testSet),
            "synthetic clusters"
        );
    }
}
