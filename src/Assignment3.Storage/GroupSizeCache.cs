using System.Runtime.InteropServices;
using System.Text.Json;
using Assignment3.Core.Benchmarks;

namespace Assignment3.Storage;

/// <summary>
/// The group size this machine's cores train fastest (the cap of sweep.group-size = auto,
/// <see cref="GroupSizes.Fastest"/>), measured once and kept for later sweeps: measured anew by each
/// sweep, it held back the first hand-out by 2-4 s while the other slots waited, a tenth of a short
/// sweep's time. Kept in group-size.json in A3_CACHE (default ~/.cache/a3), one entry per processor
/// model, instruction set and build of the kernels, so a new machine or a new build measures again;
/// a3 bench measures it again and replaces the entry. Speed only: a trial's numbers never depend on it.
/// </summary>
public sealed class GroupSizeCache(string folder)
{
    public const string EnvironmentVariable = "A3_CACHE";
    public const string FileName = "group-size.json";

    /// <summary>The cache in A3_CACHE, or else ~/.cache/a3 (XDG_CACHE_HOME's a3 when that is set).</summary>
    public static GroupSizeCache Default { get; } = new(DefaultFolder());

    public string Path => System.IO.Path.Combine(folder, FileName);

    /// <summary>
    /// What an entry is kept under: this processor, the kernels' instruction set (<paramref name="gemm"/>)
    /// and their build.
    /// </summary>
    public static string Key(string gemm) =>
        $"{Processor()} | {gemm} | kernels {typeof(GroupSizes).Assembly.ManifestModule.ModuleVersionId}";

    /// <summary>
    /// The size kept for <paramref name="key"/>, or null: none kept, or a file that cannot be read
    /// (measured again and rewritten).
    /// </summary>
    public int? Read(string key) =>
        Entries().TryGetValue(key, out var size) && GroupSizes.Measured.Contains(size) ? size : null;

    /// <summary>
    /// Keeps <paramref name="size"/> for <paramref name="key"/> (written whole, through a rename); where the
    /// folder cannot be written, the next sweep measures again.
    /// </summary>
    public void Write(string key, int size)
    {
        try
        {
            var entries = Entries();
            entries[key] = size;
            Directory.CreateDirectory(folder);
            AtomicFile.Write(Path, JsonSerializer.Serialize(entries, Json.Options));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>
    /// The size kept for this processor and <paramref name="gemm"/>, or else <paramref name="measure"/>'s,
    /// then kept.
    /// </summary>
    public int Fastest(string gemm, Func<int> measure)
    {
        var key = Key(gemm);
        if (Read(key) is { } kept)
            return kept;
        var size = measure();
        Write(key, size);
        return size;
    }

    private Dictionary<string, int> Entries()
    {
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(Path)) ?? new();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return new(); // none yet, or damaged: a cache, measured again
        }
    }

    private static string DefaultFolder()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } given)
            return System.IO.Path.GetFullPath(given);
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : System.IO.Path.Combine(
                Environment.GetFolderPath(
                    Environment.SpecialFolder.UserProfile,
                    Environment.SpecialFolderOption.DoNotVerify
                ),
                ".cache"
            );
        return System.IO.Path.Combine(cache, "a3");
    }

    /// <summary>
    /// The architecture and, on Linux, the processor's model name, family, model and stepping (one VM's
    /// vCPUs share them). Not the core count: a process pinned to one core (a3 bench --core) sees one.
    /// </summary>
    private static string Processor()
    {
        var machine = RuntimeInformation.ProcessArchitecture.ToString();
        try
        {
            var fields = File.ReadLines("/proc/cpuinfo")
                .TakeWhile(line => line.Length > 0) // the first processor
                .Select(line => line.Split(':', 2))
                .Where(f => f.Length == 2 && f[0].Trim() is "model name" or "cpu family" or "model" or "stepping")
                .Select(f => f[1].Trim());
            return string.Join(" ", [machine, .. fields]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return machine;
        }
    }
}
