using System.Diagnostics;

namespace Assignment3.Tests.Support;

/// <summary>
/// A test that needs root to make its own small world: a tmpfs of a chosen size, a read-only mount,
/// network namespaces. Elsewhere it is skipped and says why (CI runs as root).
/// </summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Root.IsRoot)
            Skip =
                "needs root (it mounts its own tmpfs or makes network namespaces); run the suite as root to include it";
    }
}

public static class Root
{
    public static bool IsRoot { get; } = Environment.UserName == "root";

    /// <summary>Runs a command (mount, ip, ...) and throws with its output when it fails.</summary>
    public static void Run(string command, params string[] args)
    {
        var info = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"{command} {string.Join(' ', args)} exited {process.ExitCode}: {output}"
            );
    }
}

/// <summary>A tmpfs of <c>size</c> mounted on a new folder for the test; unmounted and removed on dispose.</summary>
public sealed class TmpfsMount : IDisposable
{
    public TmpfsMount(string size)
    {
        Folder = Directory.CreateTempSubdirectory("a3-tmpfs-").FullName;
        Root.Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", Folder);
    }

    public string Folder { get; }

    public void MakeReadOnly() => Root.Run("mount", "-o", "remount,ro", Folder);

    public void Dispose()
    {
        Root.Run("umount", "-l", Folder);
        Directory.Delete(Folder);
    }
}
