namespace Assignment3.Core.Data;

/// <summary>
/// Finds CIFAR-10 on disk. In order: the --data path, the A3_DATA environment variable, then the
/// project's default folder (~/.local/share/a3). Each may name an unpacked batch folder, a folder
/// holding one, or the official .tar.gz.
/// </summary>
public sealed class DataLocator(string defaultFolder)
{
    public const string EnvironmentVariable = "A3_DATA";

    /// <summary>The locator with the project's default folder, ~/.local/share/a3.</summary>
    public static readonly DataLocator Default = new(
        Path.Combine(
            Environment.GetFolderPath(
                Environment.SpecialFolder.LocalApplicationData,
                Environment.SpecialFolderOption.DoNotVerify
            ),
            "a3"
        )
    );

    /// <summary>Where data is looked for last, and where a download goes.</summary>
    public string DefaultFolder => defaultFolder;

    /// <summary>The candidate paths in the order they are tried, each with where it came from.</summary>
    public IReadOnlyList<(string Path, string Origin)> Candidates(string? explicitPath)
    {
        var result = new List<(string, string)>();
        if (!string.IsNullOrWhiteSpace(explicitPath))
            result.Add((Path.GetFullPath(explicitPath), "--data"));
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
            result.Add((Path.GetFullPath(fromEnvironment), EnvironmentVariable));
        result.Add((defaultFolder, "default location"));
        return result;
    }

    /// <summary>The first candidate that holds CIFAR-10, or null. An explicit path that holds nothing is an error.</summary>
    public string? TryLocate(string? explicitPath)
    {
        foreach (var (path, origin) in Candidates(explicitPath))
        {
            if (Probe(path) is { } found)
                return found;
            if (origin != "default location")
                throw new DataException(
                    $"{path} (from {origin}) holds no CIFAR-10: expected a folder with data_batch_1.bin "
                        + $"... test_batch.bin, a folder containing {Cifar10Format.FolderName}/, or {Cifar10Format.ArchiveName}"
                );
        }
        return null;
    }

    /// <summary>The batch folder or archive a path points at, or null.</summary>
    public static string? Probe(string path)
    {
        if (File.Exists(path))
            return
                path.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase)
                || path.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase)
                ? path
                : null;
        if (!Directory.Exists(path))
            return null;
        if (File.Exists(Path.Combine(path, Cifar10Format.TrainingBatches[0])))
            return path;
        var nested = Path.Combine(path, Cifar10Format.FolderName);
        if (File.Exists(Path.Combine(nested, Cifar10Format.TrainingBatches[0])))
            return nested;
        var archive = Path.Combine(path, Cifar10Format.ArchiveName);
        return File.Exists(archive) ? archive : null;
    }

    public string DescribeTried(string? explicitPath) =>
        string.Join(Environment.NewLine, Candidates(explicitPath).Select(c => $"  - {c.Path} ({c.Origin})"));
}
