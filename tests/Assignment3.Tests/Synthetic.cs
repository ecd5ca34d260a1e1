using Assignment3.Core.Numerics;

namespace Assignment3.Tests;

/// <summary>Small random data made by the tests themselves.</summary>
public static class Synthetic
{
    public static Mat<double> Gaussian(int rows, int cols, int seed, double scale = 1.0)
    {
        var random = new Random(seed);
        var m = new Mat<double>(rows, cols);
        for (var i = 0; i < m.Data.Length; i++)
            m.Data[i] =
                scale * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        return m;
    }

    public static Mat<float> GaussianSingle(int rows, int cols, int seed) => ToFloat(Gaussian(rows, cols, seed));

    public static byte[] Labels(int count, int classes, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (byte)random.Next(classes)).ToArray();
    }

    public static Mat<float> ToFloat(Mat<double> m) => new(m.Rows, m.Cols, m.Data.Select(v => (float)v).ToArray());
}
