using System.Numerics;
using Assignment3.Core.Numerics;

namespace Assignment3.Core.Network;

/// <summary>
/// Softmax over classes followed by cross-entropy. Shapes: scores/P K x n, labels n, scratch K x n
/// doubles. Loops in a fixed order with <see cref="ExactMath"/>'s exp and log (the exps of the whole
/// batch at once, each lane exactly the scalar one): the same bits on every CPU.
/// </summary>
public static class SoftmaxCrossEntropy
{
    /// <summary>
    /// Turns scores into probabilities in place and returns the summed loss sum_j -log P[y_j, j]
    /// (accumulated in double so float32 batches of thousands of samples do not lose digits).
    /// </summary>
    public static double Forward<T>(Mat<T> scoresToProbabilities, ReadOnlySpan<byte> labels, Span<double> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shifted = scratch[..scoresToProbabilities.Data.Length];
        for (var j = 0; j < scoresToProbabilities.Cols; j++)
        {
            var col = scoresToProbabilities.Column(j);
            // Shifting by the maximum keeps exp from overflowing; softmax is unchanged by it.
            var max = col[0];
            for (var i = 1; i < col.Length; i++)
                if (col[i] > max || T.IsNaN(col[i]))
                    max = col[i];
            for (var i = 0; i < col.Length; i++)
                shifted[j * col.Length + i] = double.CreateTruncating(col[i] - max);
        }
        ExactMath.Exp(shifted, shifted);
        var total = 0.0;
        for (var j = 0; j < scoresToProbabilities.Cols; j++)
        {
            var col = scoresToProbabilities.Column(j);
            var sum = T.Zero;
            for (var i = 0; i < col.Length; i++)
            {
                col[i] = T.CreateTruncating(shifted[j * col.Length + i]);
                sum += col[i];
            }
            for (var i = 0; i < col.Length; i++)
                col[i] /= sum;
            total -= ExactMath.Log(double.CreateTruncating(col[labels[j]]));
        }
        return total;
    }

    /// <summary>G = (P - Y) / n, the gradient of the mean loss with respect to the scores.</summary>
    public static void Backward<T>(Mat<T> probabilities, ReadOnlySpan<byte> labels, Mat<T> g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var invN = T.One / T.CreateChecked(probabilities.Cols);
        for (var i = 0; i < g.Data.Length; i++)
            g.Data[i] = probabilities.Data[i] * invN;
        for (var j = 0; j < g.Cols; j++)
            g[labels[j], j] -= invN;
    }
}
