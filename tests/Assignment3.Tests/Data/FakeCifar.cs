using System.Formats.Tar;
using System.IO.Compression;
using Assignment3.Core.Data;

namespace Assignment3.Tests.Data;

/// <summary>Writes small CIFAR-10-format batches (a few records each) into a temporary folder.</summary>
public sealed class FakeCifar : IDisposable
{
    public FakeCifar(int recordsPerBatch = 12, int seed = 1)
    {
        Root = Directory.CreateTempSubdirectory("a3-cifar-").FullName;
        Folder = Path.Combine(Root, Cifar10Format.FolderName);
        Directory.CreateDirectory(Folder);
        var random = new Random(seed);
        foreach (var name in Cifar10Format.TrainingBatches.Append(Cifar10Format.TestBatch))
            File.WriteAllBytes(Path.Combine(Folder, name), Batch(recordsPerBatch, random));
        File.WriteAllText(
            Path.Combine(Folder, "batches.meta.txt"),
            "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n"
        );
    }

    public string Root { get; }
    public string Folder { get; }

    /// <summary>Records whose label is r % 10 and whose pixels are random.</summary>
    public static byte[] Batch(int records, Random random)
    {
        var bytes = new byte[records * Cifar10Format.RecordSize];
        random.NextBytes(bytes);
        for (var r = 0; r < records; r++)
            bytes[r * Cifar10Format.RecordSize] = (byte)(r % 10);
        return bytes;
    }

    /// <summary>Packs the folder as the official archive does (cifar-10-batches-bin/...) and returns its path.</summary>
    public string Archive()
    {
        var path = Path.Combine(Root, Cifar10Format.ArchiveName);
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        TarFile.CreateFromDirectory(Folder, gzip, includeBaseDirectory: true);
        return path;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
