using System.Numerics;
using System.Runtime.InteropServices;

namespace Assignment3.Core.Numerics;

/// <summary>
/// GEMM through OpenBLAS's cblas_sgemm / cblas_dgemm (Debian's libopenblas0-pthread), called on
/// the matrices' own arrays: no copies. Loaded at run time, so a machine without the library
/// is simply without it (our own kernels are the default; A3_BLAS=openblas selects this one).
/// </summary>
public sealed unsafe class OpenBlasGemm : IGemm
{
    private const int ColumnMajor = 102,
        NoTranspose = 111,
        Transpose = 112;
    private static readonly string[] LibraryNames = ["libopenblas.so.0", "libopenblas.so", "libopenblasp-r0.3.21.so"];

    private readonly delegate* unmanaged<
        int,
        int,
        int,
        int,
        int,
        int,
        float,
        float*,
        int,
        float*,
        int,
        float,
        float*,
        int,
        void> sgemm;
    private readonly delegate* unmanaged<
        int,
        int,
        int,
        int,
        int,
        int,
        double,
        double*,
        int,
        double*,
        int,
        double,
        double*,
        int,
        void> dgemm;
    private readonly delegate* unmanaged<int, void> setThreads;
    private readonly delegate* unmanaged<int> getThreads;
    private readonly delegate* unmanaged<sbyte*> getConfig;

    private OpenBlasGemm(nint library)
    {
        sgemm = (delegate* unmanaged<
            int,
            int,
            int,
            int,
            int,
            int,
            float,
            float*,
            int,
            float*,
            int,
            float,
            float*,
            int,
            void>)
            NativeLibrary.GetExport(library, "cblas_sgemm");
        dgemm = (delegate* unmanaged<
            int,
            int,
            int,
            int,
            int,
            int,
            double,
            double*,
            int,
            double*,
            int,
            double,
            double*,
            int,
            void>)
            NativeLibrary.GetExport(library, "cblas_dgemm");
        setThreads = (delegate* unmanaged<int, void>)NativeLibrary.GetExport(library, "openblas_set_num_threads");
        getThreads = (delegate* unmanaged<int>)NativeLibrary.GetExport(library, "openblas_get_num_threads");
        getConfig = (delegate* unmanaged<sbyte*>)NativeLibrary.GetExport(library, "openblas_get_config");
    }

    /// <summary>The process's OpenBLAS, or null when the library is not installed.</summary>
    public static OpenBlasGemm? TryLoad()
    {
        foreach (var name in LibraryNames)
            if (NativeLibrary.TryLoad(name, out var handle))
                return new OpenBlasGemm(handle);
        return null;
    }

    public string Name => $"OpenBLAS ({new string(getConfig()).Trim()}; {Threads} thread{(Threads == 1 ? "" : "s")})";

    /// <summary>OpenBLAS's thread count, process-wide: 1 for sweeps (one trial per core).</summary>
    public int Threads
    {
        get => getThreads();
        set => setThreads(value);
    }

    public void Gemm<T>(bool transposeA, bool transposeB, T alpha, Mat<T> a, Mat<T> b, T beta, Mat<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (m, n, k) = GemmShapes.Check(transposeA, transposeB, a, b, c);
        if (m == 0 || n == 0)
            return;
        var (ta, tb) = (transposeA ? Transpose : NoTranspose, transposeB ? Transpose : NoTranspose);
        // Leading dimensions are the stored row counts; max(1, .) as BLAS requires for empty inner dimensions.
        int lda = Math.Max(1, a.Rows),
            ldb = Math.Max(1, b.Rows),
            ldc = Math.Max(1, c.Rows);
        fixed (
            T* pa = a.Data,
                pb = b.Data,
                pc = c.Data
        )
        {
            if (typeof(T) == typeof(float))
                sgemm(
                    ColumnMajor,
                    ta,
                    tb,
                    m,
                    n,
                    k,
                    float.CreateTruncating(alpha),
                    (float*)pa,
                    lda,
                    (float*)pb,
                    ldb,
                    float.CreateTruncating(beta),
                    (float*)pc,
                    ldc
                );
            else if (typeof(T) == typeof(double))
                dgemm(
                    ColumnMajor,
                    ta,
                    tb,
                    m,
                    n,
                    k,
                    double.CreateTruncating(alpha),
                    (double*)pa,
                    lda,
                    (double*)pb,
                    ldb,
                    double.CreateTruncating(beta),
                    (double*)pc,
                    ldc
                );
            else
                throw new NotSupportedException($"OpenBLAS GEMM supports float and double, not {typeof(T).Name}");
        }
    }
}
