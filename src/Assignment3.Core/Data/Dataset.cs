using System.Runtime.Intrinsics.X86;
using Assignment3.Core.Numerics;

namespace Assignment3.Core.Data;

/// <summary>
/// Images as raw bytes, one image of <see cref="Dimensions"/> bytes after another (4 times smaller
/// than float32), with their labels (0-9), read out standardized: a mini-batch gathered, or a range
/// copied for evaluation, into columns of a float matrix.
/// </summary>
public sealed class Dataset
{
    public Dataset(byte[] pixels, int dimensions, byte[] labels, Standardizer standardizer)
    {
        if (pixels.Length != (long)dimensions * labels.Length)
            throw new ArgumentException(
                $"{pixels.Length} pixel bytes for {labels.Length} images of {dimensions} bytes"
            );
        if (standardizer.Dimensions != dimensions)
            throw new ArgumentException(
                $"a standardizer for {standardizer.Dimensions} dimensions, images of {dimensions}"
            );
        Pixels = pixels;
        Dimensions = dimensions;
        Labels = labels;
        Standardizer = standardizer;
    }

    public byte[] Pixels { get; }
    public byte[] Labels { get; }
    public Standardizer Standardizer { get; }
    public int Count => Labels.Length;
    public int Dimensions { get; }

    public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(index * Dimensions, Dimensions);

    /// <summary>
    /// Images <paramref name="indices"/>, standardized, into the columns of <paramref name="x"/> (d x n),
    /// their labels into <paramref name="labels"/>. Random images of a large set are each a run of
    /// cache misses: the ones a few images ahead are requested while this one is standardized.
    /// </summary>
    public void Gather(ReadOnlySpan<int> indices, Mat<float> x, Span<byte> labels)
    {
        const int ahead = 4;
        for (var j = 0; j < Math.Min(ahead, indices.Length); j++)
            Prefetch(indices[j]);
        for (var j = 0; j < indices.Length; j++)
        {
            if (j + ahead < indices.Length)
                Prefetch(indices[j + ahead]);
            Standardizer.Apply(Image(indices[j]), x.Column(j));
            labels[j] = Labels[indices[j]];
        }
    }

    /// <summary>Asks the memory system for these images now, to be read soon (the next mini-batch, while this one trains).</summary>
    public void Prefetch(ReadOnlySpan<int> indices)
    {
        foreach (var index in indices)
            Prefetch(index);
    }

    private unsafe void Prefetch(int index)
    {
        if (!Sse.IsSupported)
            return;
        fixed (byte* image = &Pixels[index * Dimensions])
            for (var line = 0; line < Dimensions; line += 64)
                Sse.Prefetch1(image + line);
    }

    /// <summary>Images [start, start + x.Cols), standardized, into <paramref name="x"/>.</summary>
    public void Copy(int start, Mat<float> x, Span<byte> labels)
    {
        for (var j = 0; j < x.Cols; j++)
            Standardizer.Apply(Image(start + j), x.Column(j));
        Labels.AsSpan(start, x.Cols).CopyTo(labels);
    }

    /// <summary>One standardized value: dimension <paramref name="i"/> of image <paramref name="j"/>.</summary>
    public float Value(int i, int j) =>
        MathF.FusedMultiplyAdd(Pixels[j * Dimensions + i], Standardizer.Scale[i], Standardizer.Offset[i]);
}

/// <summary>Training, validation and test sets, preprocessed with the training set's statistics.</summary>
public sealed record DataSplits(Dataset Train, Dataset Validation, Dataset Test, string Source);

/// <summary>A data problem: the message names the file or path and what is wrong with it.</summary>
public sealed class DataException(string message, Exception? inner = null) : Exception(message, inner);
