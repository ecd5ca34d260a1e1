using System.Formats.Tar;
using System.IO.Compression;

namespace Assignment3.Core.Data;

/// <summary>Where the batch files are read from: an unpacked folder or the official .tar.gz, read directly.</summary>
public abstract class Cifar10Source
{
    public abstract string Location { get; }

    /// <summary>The named batch's bytes, validated; valid until the next call (a folder's batches share one buffer).</summary>
    public abstract ReadOnlyMemory<byte> ReadBatch(string name);

    /// <summary>Records in the named batch, from its size (checked again when it is read).</summary>
    public abstract int RecordCount(string name);

    public static Cifar10Source Open(string path) =>
        File.Exists(path) ? new ArchiveSource(path) : new FolderSource(path);

    private sealed class FolderSource(string folder) : Cifar10Source
    {
        /// <summary>
        /// One buffer for every batch read: six 30 MB temporaries would be garbage on the large-object
        /// heap until a full collection, and a process's peak memory with them.
        /// </summary>
        private byte[] buffer = [];

        public override string Location => folder;

        public override ReadOnlyMemory<byte> ReadBatch(string name)
        {
            var file = Path.Combine(folder, name);
            if (!File.Exists(file))
                throw new DataException($"{file}: missing CIFAR-10 batch file");
            using var stream = File.OpenRead(file);
            var length = checked((int)stream.Length);
            if (buffer.Length < length)
                buffer = GC.AllocateUninitializedArray<byte>(length);
            try
            {
                stream.ReadExactly(buffer, 0, length);
            }
            catch (EndOfStreamException e)
            {
                throw new DataException(
                    $"{file}: shorter than its size {length:N0} bytes when read (changed while reading?)",
                    e
                );
            }
            var bytes = buffer.AsMemory(0, length);
            Cifar10Format.Validate(bytes.Span, file);
            return bytes;
        }

        public override int RecordCount(string name)
        {
            var file = Path.Combine(folder, name);
            if (!File.Exists(file))
                throw new DataException($"{file}: missing CIFAR-10 batch file");
            // The opened file's length: a symbolic link's own size (FileInfo.Length) would be its target's path length.
            using var stream = File.OpenRead(file);
            return Cifar10Format.RecordCount(stream.Length, file);
        }
    }

    /// <summary>Reads the archive once, keeping the batch files in memory (about 180 MB).</summary>
    private sealed class ArchiveSource(string archive) : Cifar10Source
    {
        private Dictionary<string, byte[]>? entries;

        public override string Location => archive;

        public override ReadOnlyMemory<byte> ReadBatch(string name)
        {
            entries ??= ReadEntries();
            if (!entries.TryGetValue(name, out var bytes))
                throw new DataException(
                    $"{archive}: the archive has no {name} (expected {Cifar10Format.FolderName}/{name})"
                );
            Cifar10Format.Validate(bytes, $"{archive}!{name}");
            return bytes;
        }

        public override int RecordCount(string name)
        {
            entries ??= ReadEntries();
            return entries.TryGetValue(name, out var bytes)
                ? Cifar10Format.RecordCount(bytes.Length, $"{archive}!{name}")
                : throw new DataException(
                    $"{archive}: the archive has no {name} (expected {Cifar10Format.FolderName}/{name})"
                );
        }

        private Dictionary<string, byte[]> ReadEntries()
        {
            var result = new Dictionary<string, byte[]>();
            try
            {
                using var file = File.OpenRead(archive);
                using var gzip = new GZipStream(file, CompressionMode.Decompress);
                using var tar = new TarReader(gzip);
                while (tar.GetNextEntry() is { } entry)
                {
                    if (
                        entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)
                        || entry.DataStream is null
                    )
                        continue;
                    var name = Path.GetFileName(entry.Name);
                    if (!name.EndsWith(".bin", StringComparison.Ordinal))
                        continue;
                    var bytes = new byte[entry.Length];
                    entry.DataStream.ReadExactly(bytes);
                    result[name] = bytes;
                }
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
            {
                throw new DataException($"{archive}: truncated or corrupt archive ({e.Message})", e);
            }
            return result;
        }
    }
}
