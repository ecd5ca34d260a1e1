using System.Net;
using System.Security.Cryptography;
using Assignment3.Core.Data;

namespace Assignment3.Tests.Data;

public class DataLocatorTests
{
    [Fact]
    public void A_folder_holding_the_batch_folder_or_the_archive_is_recognised()
    {
        using var data = new FakeCifar(recordsPerBatch: 1);
        Assert.Equal(data.Folder, DataLocator.Probe(data.Folder));
        Assert.Equal(data.Folder, DataLocator.Probe(data.Root));
        var archive = data.Archive();
        Assert.Equal(archive, DataLocator.Probe(archive));
        Directory.Delete(data.Folder, recursive: true);
        Assert.Equal(archive, DataLocator.Probe(data.Root));
    }

    [Fact]
    public void An_explicit_path_comes_first_and_one_without_data_is_an_error_naming_it()
    {
        using var data = new FakeCifar(recordsPerBatch: 1);
        var locator = new DataLocator(Path.Combine(data.Root, "nothing-here"));
        Assert.Equal(data.Folder, locator.TryLocate(data.Root));

        var empty = Directory.CreateTempSubdirectory("a3-empty-").FullName;
        try
        {
            var e = Assert.Throws<DataException>(() => locator.TryLocate(empty));
            Assert.Contains(empty, e.Message);
            Assert.Contains("--data", e.Message);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }

    [Fact]
    public async Task Fetch_downloads_verifies_the_md5_and_unpacks()
    {
        using var data = new FakeCifar(recordsPerBatch: 2);
        var archiveBytes = await File.ReadAllBytesAsync(data.Archive());
        using var server = new LoopbackFileServer(archiveBytes);
        var target = Directory.CreateTempSubdirectory("a3-fetch-").FullName;
        try
        {
            var reports = new List<long>();
            using var client = new HttpClient();
            var md5 = Convert.ToHexStringLower(MD5.HashData(archiveBytes));

            var folder = await Cifar10Download.FetchAsync(
                target,
                server.Url,
                md5,
                new SyncProgress(r => reports.Add(r.Received)),
                client,
                CancellationToken.None
            );

            Assert.Equal(Path.Combine(target, Cifar10Format.FolderName), folder);
            Assert.Equal(
                File.ReadAllBytes(Path.Combine(data.Folder, "test_batch.bin")),
                File.ReadAllBytes(Path.Combine(folder, "test_batch.bin"))
            );
            Assert.Equal(archiveBytes.Length, reports[^1]);
            Assert.False(File.Exists(Path.Combine(target, Cifar10Format.ArchiveName)));
        }
        finally
        {
            Directory.Delete(target, recursive: true);
        }
    }

    [Fact]
    public async Task Fetch_with_a_wrong_md5_keeps_nothing()
    {
        using var data = new FakeCifar(recordsPerBatch: 1);
        using var server = new LoopbackFileServer(await File.ReadAllBytesAsync(data.Archive()));
        var target = Directory.CreateTempSubdirectory("a3-fetch-").FullName;
        try
        {
            using var client = new HttpClient();
            var e = await Assert.ThrowsAsync<DataException>(() =>
                Cifar10Download.FetchAsync(
                    target,
                    server.Url,
                    new string('0', 32),
                    null,
                    client,
                    CancellationToken.None
                )
            );
            Assert.Contains("MD5", e.Message);
            Assert.Empty(Directory.GetFiles(target));
        }
        finally
        {
            Directory.Delete(target, recursive: true);
        }
    }

    [Fact]
    public async Task Offline_the_error_lists_every_path_tried_and_how_to_point_at_a_copy()
    {
        var home = Directory.CreateTempSubdirectory("a3-home-").FullName;
        var previous = Environment.GetEnvironmentVariable(DataLocator.EnvironmentVariable);
        Environment.SetEnvironmentVariable(DataLocator.EnvironmentVariable, null);
        try
        {
            var locator = new DataLocator(Path.Combine(home, "default"));
            // A loopback port nothing listens on stands in for an unreachable download site.
            var url = new Uri($"http://127.0.0.1:{LoopbackFileServer.FreePort()}/{Cifar10Format.ArchiveName}");

            var e = await Assert.ThrowsAsync<DataException>(() =>
                DataProvider.LocateOrFetchAsync(
                    locator,
                    null,
                    url,
                    Cifar10Download.OfficialMd5,
                    null,
                    TimeSpan.FromMinutes(1),
                    CancellationToken.None
                )
            );

            Assert.Contains("Tried:", e.Message);
            Assert.Contains($"{locator.DefaultFolder} (default location)", e.Message);
            Assert.Contains("could not download", e.Message);
            Assert.Contains("--data PATH", e.Message);
            Assert.Contains("A3_DATA", e.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(DataLocator.EnvironmentVariable, previous);
            Directory.Delete(home, recursive: true);
        }
    }

    private sealed class SyncProgress(Action<(long Received, long? Total)> report)
        : IProgress<(long Received, long? Total)>
    {
        public void Report((long Received, long? Total) value) => report(value);
    }
}

/// <summary>Serves one file over HTTP on 127.0.0.1 until disposed.</summary>
public sealed class LoopbackFileServer : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly Task serving;

    public LoopbackFileServer(byte[] content)
    {
        var port = FreePort();
        Url = new Uri($"http://127.0.0.1:{port}/{Cifar10Format.ArchiveName}");
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        serving = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception)
                {
                    return;
                }
                context.Response.ContentLength64 = content.Length;
                await context.Response.OutputStream.WriteAsync(content);
                context.Response.Close();
            }
        });
    }

    public Uri Url { get; }

    public static int FreePort()
    {
        var socket = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        var port = ((IPEndPoint)socket.LocalEndpoint).Port;
        socket.Stop();
        return port;
    }

    public void Dispose()
    {
        listener.Stop();
        listener.Close();
        serving.Wait(TimeSpan.FromSeconds(5));
    }
}
