using Assignment3.Core.Numerics;

namespace Assignment3.Core.Data;

/// <summary>Images as columns of X (3072 x n, float32) with their labels (0-9).</summary>
public sealed class Dataset
{
    public Dataset(Mat<float> x, byte[] labels)
    {
        if (x.Cols != labels.Length) throw new ArgumentException($"{x.Cols} images but {labels.Length} labels");
        X = x;
        Labels = labels;
    }

    public Mat<float> X { get; }
    public byte[] Labels { get; }
    public int Count => Labels.Length;
    public int Dimensions => X.Rows;
}

/// <summary>Training, validation and test sets, preprocessed with the training set's statistics.</summary>
public sealed record DataSplits(Dataset Train, Dataset Validation, Dataset Test, string Source);

/// <summary>A data problem: the message names the file or path and what is wrong with it.</summary>
public sealed class DataException(string message, Exception? inner = null) : Exception(message, inner);
