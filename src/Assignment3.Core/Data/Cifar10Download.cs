using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Assignment3.Core.Data;

/// <summary>Downloads the official archive, checks its published MD5 and unpacks it.</summary>
public static class Cifar10Download
{
    public static readonly Uri OfficialUrl = new("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz");
    public const string OfficialMd5 = "c32a1d4ab5d03f1284b67883e8d87530";

    /// <summary>
    /// Downloads <paramref name="url"/> into <paramref name="targetFolder"/>, verifies the MD5, unpacks
    /// it there and returns the batch folder. Reports (bytes received, total bytes if known).
    /// </summary>
    public static async Task<string> FetchAsync(
        string targetFolder,
        Uri url,
        string expectedMd5,
        IProgress<(long Received, long? Total)>? progress,
        HttpClient client,
        CancellationToken cancellation
    )
    {
        Directory.CreateDirectory(targetFolder);
        var archive = Path.Combine(targetFolder, Cifar10Format.ArchiveName);
        var partial = archive + ".part";
        try
        {
            using (var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellation))
            {
                response.EnsureSuccessStatusCode();
                var total = response.Content.Headers.ContentLength;
                await using var body = await response.Content.ReadAsStreamAsync(cancellation);
                await using var file = File.Create(partial);
                var buffer = new byte[1 << 16];
                long received = 0;
                int read;
                while ((read = await body.ReadAsync(buffer, cancellation)) > 0)
                {
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellation);
                    received += read;
                    progress?.Report((received, total));
                }
            }
            var actualMd5 = Md5Of(partial);
            if (!string.Equals(actualMd5, expectedMd5, StringComparison.OrdinalIgnoreCase))
                throw new DataException(
                    $"{url}: downloaded file has MD5 {actualMd5}, expected {expectedMd5}; it was not kept"
                );
            File.Move(partial, archive, overwrite: true);
        }
        catch (HttpRequestException e)
        {
            throw new DataException($"could not download {url}: {e.Message}", e);
        }
        finally
        {
            if (File.Exists(partial))
                File.Delete(partial);
        }
        Unpack(archive, targetFolder);
        File.Delete(archive);
        var folder = Path.Combine(targetFolder, Cifar10Format.FolderName);
        if (DataLocator.Probe(folder) is null)
            throw new DataException(
                $"{url}: the archive did not contain {Cifar10Format.FolderName}/{Cifar10Format.TrainingBatches[0]}"
            );
        return folder;
    }

    private static void Unpack(string archive, string targetFolder)
    {
        try
        {
            using var file = File.OpenRead(archive);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            TarFile.ExtractToDirectory(gzip, targetFolder, overwriteFiles: true);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new DataException($"{archive}: truncated or corrupt archive ({e.Message})", e);
        }
    }

    private static string Md5Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(MD5.HashData(stream));
    }
}
