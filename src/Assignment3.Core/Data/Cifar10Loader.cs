namespace Assignment3.Core.Data;

public enum SplitKind
{
    /// <summary>data_batch_1 for training, data_batch_2 for validation (the report's first experiments).</summary>
    Batch1,

    /// <summary>All five training batches, the last ValidationSize images held out for validation.</summary>
    All,
}

/// <param name="ValidationSize">Images held out for validation (All) or taken from the start of data_batch_2 (Batch1).</param>
public sealed record DataOptions(SplitKind Split = SplitKind.All, int ValidationSize = 5000);

/// <summary>Reads the batches for a split as bytes and fits the standardizer on the training images.</summary>
public static class Cifar10Loader
{
    public static DataSplits Load(Cifar10Source source, DataOptions options)
    {
        if (options.ValidationSize < 1)
            throw new DataException($"validation size must be at least 1, got {options.ValidationSize}");
        var (train, validation) =
            options.Split == SplitKind.All
                ? LoadAllBatches(source, options.ValidationSize)
                : LoadBatch1(source, options.ValidationSize);
        var test = ReadWhole(source, Cifar10Format.TestBatch);
        var standardizer = Standardizer.Fit(train.Pixels, Cifar10Format.Pixels, train.Count);
        return new DataSplits(
            train.Standardized(standardizer),
            validation.Standardized(standardizer),
            test.Standardized(standardizer),
            source.Location
        );
    }

    private static (RawImages Train, RawImages Validation) LoadAllBatches(Cifar10Source source, int validationSize)
    {
        var total = Cifar10Format.TrainingBatches.Sum(source.RecordCount);
        if (validationSize >= total)
            throw new DataException(
                $"{source.Location}: validation size {validationSize} leaves no training images ({total} in all)"
            );
        var train = Allocate(total - validationSize);
        var validation = Allocate(validationSize);
        var position = 0;
        // One batch file in memory at a time, beside the sets it is copied into.
        foreach (var name in Cifar10Format.TrainingBatches)
        {
            var bytes = source.ReadBatch(name).Span;
            var count = bytes.Length / Cifar10Format.RecordSize;
            for (var r = 0; r < count; r++, position++)
            {
                var (target, column) =
                    position < train.Count ? (train, position) : (validation, position - train.Count);
                Cifar10Format.CopyRecords(bytes, r, 1, target, column);
            }
        }
        return (train, validation);
    }

    private static (RawImages Train, RawImages Validation) LoadBatch1(Cifar10Source source, int validationSize)
    {
        var train = ReadWhole(source, Cifar10Format.TrainingBatches[0]);
        var second = source.ReadBatch(Cifar10Format.TrainingBatches[1]).Span;
        var count = Math.Min(validationSize, second.Length / Cifar10Format.RecordSize);
        var validation = Allocate(count);
        Cifar10Format.CopyRecords(second, 0, count, validation, 0);
        return (train, validation);
    }

    private static RawImages ReadWhole(Cifar10Source source, string name)
    {
        var bytes = source.ReadBatch(name).Span;
        var dataset = Allocate(bytes.Length / Cifar10Format.RecordSize);
        Cifar10Format.CopyRecords(bytes, 0, dataset.Count, dataset, 0);
        return dataset;
    }

    private static RawImages Allocate(int count) => new(count);
}
