using System.Numerics.Tensors;
using Assignment3.Core.Numerics;

namespace Assignment3.Core.Data;

/// <summary>
/// Per-dimension standardization of raw pixel values (0-255): x -> (x / 255 - mean) / std, with
/// mean and std of the scaled training images only, applied unchanged to validation and test.
/// </summary>
public sealed class Standardizer
{
    private Standardizer(float[] mean, float[] std)
    {
        Mean = mean;
        Std = std;
    }

    public float[] Mean { get; }
    public float[] Std { get; }

    public static Standardizer Fit(Mat<float> rawTrain)
    {
        var d = rawTrain.Rows;
        var sum = new double[d];
        var sumOfSquares = new double[d];
        for (var j = 0; j < rawTrain.Cols; j++)
        {
            var column = rawTrain.Column(j);
            for (var i = 0; i < d; i++)
            {
                double v = column[i] / 255f;
                sum[i] += v;
                sumOfSquares[i] += v * v;
            }
        }
        var n = (double)rawTrain.Cols;
        var mean = new float[d];
        var std = new float[d];
        for (var i = 0; i < d; i++)
        {
            var m = sum[i] / n;
            var variance = Math.Max(0, sumOfSquares[i] / n - m * m);
            mean[i] = (float)m;
            // A constant dimension carries no information; dividing by 1 leaves it at 0.
            std[i] = variance > 1e-12 ? (float)Math.Sqrt(variance) : 1f;
        }
        return new Standardizer(mean, std);
    }

    public void Apply(Mat<float> raw)
    {
        for (var j = 0; j < raw.Cols; j++)
        {
            var column = raw.Column(j);
            TensorPrimitives.Divide(column, 255f, column);
            TensorPrimitives.Subtract(column, Mean, column);
            TensorPrimitives.Divide(column, Std, column);
        }
    }
}
