namespace Assignment3.Core.Data;

/// <summary>The official CIFAR-10 binary format: records of 1 label byte and 3,072 pixel bytes (R, G, B planes).</summary>
public static class Cifar10Format
{
    public const int Pixels = 3072;
    public const int RecordSize = Pixels + 1;
    public const int Classes = 10;
    public const string FolderName = "cifar-10-batches-bin";
    public const string ArchiveName = "cifar-10-binary.tar.gz";
    public static readonly string[] TrainingBatches =
    [
        "data_batch_1.bin",
        "data_batch_2.bin",
        "data_batch_3.bin",
        "data_batch_4.bin",
        "data_batch_5.bin",
    ];
    public const string TestBatch = "test_batch.bin";

    /// <summary>Records in a batch file of <paramref name="length"/> bytes; a size that is not whole records names the file.</summary>
    public static int RecordCount(long length, string source)
    {
        if (length == 0)
            throw new DataException($"{source}: file is empty");
        if (length % RecordSize != 0)
            throw new DataException(
                $"{source}: size {length:N0} bytes is not a multiple of the record size {RecordSize:N0} (truncated or not a CIFAR-10 binary batch)"
            );
        return checked((int)(length / RecordSize));
    }

    /// <summary>Checks a batch file's bytes and returns its record count.</summary>
    public static int Validate(ReadOnlySpan<byte> bytes, string source)
    {
        var count = RecordCount(bytes.Length, source);
        for (var r = 0; r < count; r++)
        {
            var label = bytes[r * RecordSize];
            if (label >= Classes)
                throw new DataException($"{source}: record {r} has label {label}, labels must be 0-9");
        }
        return count;
    }

    /// <summary>Copies records [from, from + count) of a validated batch into consecutive images and labels of the target.</summary>
    public static void CopyRecords(ReadOnlySpan<byte> bytes, int from, int count, RawImages target, int first)
    {
        for (var r = 0; r < count; r++)
        {
            var record = bytes.Slice((from + r) * RecordSize, RecordSize);
            target.Labels[first + r] = record[0];
            record[1..].CopyTo(target.Pixels.AsSpan((first + r) * Pixels, Pixels));
        }
    }
}

/// <summary>Images as read from the batch files, before a standardizer is fitted.</summary>
public sealed record RawImages(byte[] Pixels, byte[] Labels)
{
    public RawImages(int count)
        : this(new byte[count * Cifar10Format.Pixels], new byte[count]) { }

    public int Count => Labels.Length;

    public Dataset Standardized(Standardizer standardizer) => new(Pixels, Cifar10Format.Pixels, Labels, standardizer);
}
