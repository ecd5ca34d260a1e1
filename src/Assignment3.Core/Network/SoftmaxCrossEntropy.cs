using System.Numerics;
using System.Numerics.Tensors;
using Assignment3.Core.Numerics;

namespace Assignment3.Core.Network;

/// <summary>
/// Softmax over classes followed by cross-entropy. Shapes: scores/P K x n, labels n.
/// </summary>
public static class SoftmaxCrossEntropy
{
    /// <summary>
    /// Turns scores into probabilities in place and returns the summed loss sum_j -log P[y_j, j]
    /// (accumulated in double so float32 batches of thousands of samples do not lose digits).
    /// </summary>
    public static double Forward<T>(Mat<T> scoresToProbabilities, ReadOnlySpan<byte> labels)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var total = 0.0;
        for (var j = 0; j < scoresToProbabilities.Cols; j++)
        {
            var col = scoresToProbabilities.Column(j);
            // Shifting by the maximum keeps exp from overflowing; softmax is unchanged by it.
            TensorPrimitives.Subtract(col, TensorPrimitives.Max<T>(col), col);
            TensorPrimitives.Exp(col, col);
            var sum = TensorPrimitives.Sum<T>(col);
            TensorPrimitives.Divide(col, sum, col);
            total -= Math.Log(double.CreateChecked(col[labels[j]]));
        }
        return total;
    }

    /// <summary>G = (P - Y) / n, the gradient of the mean loss with respect to the scores.</summary>
    public static void Backward<T>(Mat<T> probabilities, ReadOnlySpan<byte> labels, Mat<T> g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var invN = T.One / T.CreateChecked(probabilities.Cols);
        TensorPrimitives.Multiply(probabilities.Data, invN, g.Data);
        for (var j = 0; j < g.Cols; j++) g[labels[j], j] -= invN;
    }
}
