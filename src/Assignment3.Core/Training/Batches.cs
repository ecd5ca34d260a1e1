using Assignment3.Core.Data;
using Assignment3.Core.Numerics;

namespace Assignment3.Core.Training;

public static class Batches
{
    /// <summary>Copies the listed images of <paramref name="source"/> into the columns of <paramref name="x"/>.</summary>
    public static void Gather(Dataset source, ReadOnlySpan<int> indices, Mat<float> x, byte[] labels)
    {
        for (var j = 0; j < indices.Length; j++)
        {
            source.X.Column(indices[j]).CopyTo(x.Column(j));
            labels[j] = source.Labels[indices[j]];
        }
    }

    /// <summary>Copies images [start, start + x.Cols) of <paramref name="source"/> into <paramref name="x"/>.</summary>
    public static void Copy(Dataset source, int start, Mat<float> x, byte[] labels)
    {
        source.X.Data.AsSpan(start * source.Dimensions, x.Data.Length).CopyTo(x.Data);
        source.Labels.AsSpan(start, x.Cols).CopyTo(labels);
    }

    /// <summary>Fisher-Yates shuffle driven by the run's own random stream.</summary>
    public static void Shuffle(Span<int> order, Random random)
    {
        for (var i = order.Length - 1; i > 0; i--)
        {
            var k = random.Next(i + 1);
            (order[i], order[k]) = (order[k], order[i]);
        }
    }
}
