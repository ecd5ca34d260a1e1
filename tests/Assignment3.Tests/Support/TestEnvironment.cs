using System.Runtime.CompilerServices;
using Assignment3.Storage;

namespace Assignment3.Tests.Support;

/// <summary>What the suite sets for itself, and so for the a3 processes it starts, before any test runs.</summary>
internal static class TestEnvironment
{
    /// <summary>
    /// The group-size cache in the test binaries' folder: tests neither use a developer's measurements
    /// nor leave theirs (made on small fake data) for the developer's sweeps.
    /// </summary>
    [ModuleInitializer]
    internal static void Set() =>
        Environment.SetEnvironmentVariable(
            GroupSizeCache.EnvironmentVariable,
            Path.Combine(AppContext.BaseDirectory, "a3-cache")
        );
}
