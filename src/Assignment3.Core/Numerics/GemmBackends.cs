namespace Assignment3.Core.Numerics;

/// <summary>
/// Chooses the process's GEMM backend once: OpenBLAS when its library is installed, the managed
/// MathNet provider otherwise or when A3_BLAS=managed.
/// </summary>
public static class GemmBackends
{
    public const string EnvironmentVariable = "A3_BLAS";

    private static readonly Lazy<OpenBlasGemm?> OpenBlas = new(OpenBlasGemm.TryLoad);

    /// <summary>The process's OpenBLAS, if installed (whatever A3_BLAS says).</summary>
    public static OpenBlasGemm? OpenBlasIfInstalled => OpenBlas.Value;

    public static IGemm Select() =>
        string.Equals(Environment.GetEnvironmentVariable(EnvironmentVariable), "managed", StringComparison.OrdinalIgnoreCase)
            ? ManagedGemm.Instance
            : (IGemm?)OpenBlas.Value ?? ManagedGemm.Instance;

    /// <summary>
    /// Threads for GEMM in this process: 1 when several trials run side by side (one per core), more
    /// for a single run.
    /// </summary>
    public static void UseThreads(int threads)
    {
        if (OpenBlas.Value is { } blas) blas.Threads = threads;
        MathNet.Numerics.Control.MaxDegreeOfParallelism = threads;
    }
}
