namespace Assignment3.Core.Numerics;

/// <summary>
/// Chooses the process's GEMM backend once: our own SIMD kernels (<see cref="SimdGemm"/>, the widest
/// instruction set the CPU has, or the one A3_SIMD names), or OpenBLAS when A3_BLAS=openblas.
/// </summary>
public static class GemmBackends
{
    public const string EnvironmentVariable = "A3_BLAS";

    private static readonly Lazy<OpenBlasGemm?> OpenBlas = new(OpenBlasGemm.TryLoad);

    /// <summary>The process's OpenBLAS, if installed (whatever A3_BLAS says).</summary>
    public static OpenBlasGemm? OpenBlasIfInstalled => OpenBlas.Value;

    public static IGemm Select() =>
        Environment.GetEnvironmentVariable(EnvironmentVariable)?.Trim().ToLowerInvariant() switch
        {
            null or "" or "simd" => new SimdGemm(SimdGemm.Best()),
            "openblas" => OpenBlas.Value
                ?? throw new ArgumentException(
                    $"{EnvironmentVariable}=openblas: libopenblas.so.0 is not installed (Debian: apt-get install libopenblas0-pthread)"
                ),
            var other => throw new ArgumentException(
                $"{EnvironmentVariable}={other}: expected simd (the default) or openblas"
            ),
        };

    /// <summary>
    /// Threads for OpenBLAS's GEMM in this process: 1 when several trials run side by side (one per
    /// core). Our kernels run on the calling thread.
    /// </summary>
    public static void UseThreads(int threads)
    {
        if (OpenBlas.Value is { } blas)
            blas.Threads = threads;
    }
}
