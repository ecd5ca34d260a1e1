namespace Assignment3.Core.Data;

/// <summary>Locates CIFAR-10 (downloading it to the default folder when nothing is found) and loads a split.</summary>
public static class DataProvider
{
    /// <summary>The batch folder or archive to read; downloads when no candidate holds the data.</summary>
    /// <param name="timeout">How long the download may take before it gives up.</param>
    public static async Task<string> LocateOrFetchAsync(
        DataLocator locator,
        string? explicitPath,
        Uri url,
        string md5,
        IProgress<(long Received, long? Total)>? progress,
        TimeSpan timeout,
        CancellationToken cancellation
    )
    {
        if (locator.TryLocate(explicitPath) is { } found)
            return found;
        using var client = new HttpClient { Timeout = timeout };
        try
        {
            return await Cifar10Download.FetchAsync(locator.DefaultFolder, url, md5, progress, client, cancellation);
        }
        catch (DataException e)
        {
            throw new DataException(
                $"CIFAR-10 was not found and could not be downloaded.{Environment.NewLine}"
                    + $"Tried:{Environment.NewLine}{locator.DescribeTried(explicitPath)}{Environment.NewLine}"
                    + $"Download: {e.Message}{Environment.NewLine}"
                    + $"Point at a local copy with --data PATH or {DataLocator.EnvironmentVariable}=PATH "
                    + $"(an unpacked {Cifar10Format.FolderName} folder or {Cifar10Format.ArchiveName}).",
                e
            );
        }
    }
}
