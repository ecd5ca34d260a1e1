namespace Assignment3.Cli.Terminal;

public static class OutputFolder
{
    /// <summary>
    /// The folder a command writes to: the one given, or runs/&lt;name&gt;-&lt;time&gt;. A folder that
    /// already holds files is refused, so no earlier result is overwritten.
    /// </summary>
    public static string Create(string? requested, string name)
    {
        if (requested is not null && string.IsNullOrWhiteSpace(requested))
            throw new ArgumentException("--out: empty path; give a new or empty folder");
        var folder = Path.GetFullPath(requested ?? Path.Combine("runs", $"{name}-{DateTime.Now:yyyyMMdd-HHmmss}"));
        if (File.Exists(folder))
            throw new ArgumentException($"--out: {folder} is a file; give a new or empty folder");
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
            throw new ArgumentException(
                $"--out: {folder} already holds files; choose a new or empty folder so nothing is overwritten"
            );
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (IOException e)
        {
            throw new ArgumentException($"--out: cannot create the folder {folder} ({e.Message.TrimEnd('.')})", e);
        }
        return folder;
    }
}
