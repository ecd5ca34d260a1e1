namespace Assignment3.Tests.Support;

public static class RepoPaths
{
    /// <summary>The repository root: the first folder above the test binaries holding Assignment3.sln.</summary>
    public static string Root { get; } = FindRoot();

    public static string Config(string name) => Path.Combine(Root, "configs", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Assignment3.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Assignment3.sln not found above " + AppContext.BaseDirectory);
    }
}
