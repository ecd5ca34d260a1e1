using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Assignment3.Core.Numerics;

/// <summary>The instruction set a <see cref="SimdGemm"/> runs its kernels with.</summary>
public enum SimdIsa
{
    /// <summary>512-bit vectors (x64 with AVX-512F), 3 x 8 tiles.</summary>
    Avx512,

    /// <summary>256-bit vectors with FMA (x64 with AVX2), 2 x 6 tiles.</summary>
    Avx2,

    /// <summary>128-bit vectors (AdvSimd on ARM64; SSE on x64), 2 x 6 tiles.</summary>
    Vector128,

    /// <summary>One lane, plain fused multiply-adds.</summary>
    Scalar,
}

/// <summary>
/// GEMM of our own: register-blocked micro-kernels (<see cref="SimdKernels{TOps, TV, T}"/>) for
/// AVX-512, AVX2, 128-bit vectors and scalar code, on float and double. Vectors run along the
/// rows of C (contiguous in column-major storage), never along k, and every element of C is
/// c = fma(a[i,k], b[k,j], c) for k = 0, 1, ... in order, starting from C (beta 1) or zero
/// (beta 0): the same operations in the same order on every instruction set, so results are
/// bit-identical across them, and across blockings and thread counts. With other alpha or beta,
/// C = alpha * (that sum from zero) + beta * C, element by element.
/// Nothing is packed where the operands' layout serves the kernels already (A not transposed, its
/// rows contiguous; B either way, read by broadcast); the rows after the last whole vector take one
/// vector whose loads and stores are masked to them (x64), or, without masks (ARM64), a zero-padded
/// copy of A's rows and a scratch tile.
/// </summary>
public sealed unsafe class SimdGemm : IGemm
{
    /// <summary>Depth of a k-block: the part of A a row block reads stays in L2 across the columns.</summary>
    private const int BlockK = 384;

    /// <summary>Width of a column block: the part of B a k-block reads stays in L2 across the row blocks.</summary>
    private const int BlockN = 512;

    /// <param name="tiling">Every product cut this way; null: A3_TILING's, or measured per shape (<see cref="GemmTilings"/>).</param>
    public SimdGemm(SimdIsa isa, GemmTiling? tiling = null)
    {
        Isa = IsSupported(isa) ? isa : throw new PlatformNotSupportedException($"{isa} is not available on this CPU");
        ForcedTiling = tiling ?? GemmTilings.Forced();
    }

    public const string ForceVariable = "A3_SIMD";

    public SimdIsa Isa { get; }

    /// <summary>The tiling every product uses, or null when each shape's is measured.</summary>
    public GemmTiling? ForcedTiling { get; }

    public string Name =>
        $"a3 SIMD kernels ({Describe(Isa)}{(ForcedTiling is { } tiling ? $", {GemmTilings.Name(tiling)} tiles" : "")})";

    /// <summary>The widest instruction set this CPU runs, or the one A3_SIMD names (avx512, avx2, vector128, scalar).</summary>
    public static SimdIsa Best()
    {
        var forced = Environment.GetEnvironmentVariable(ForceVariable);
        if (!string.IsNullOrWhiteSpace(forced))
            return Enum.TryParse<SimdIsa>(forced, ignoreCase: true, out var chosen) && IsSupported(chosen)
                ? chosen
                : throw new ArgumentException(
                    $"{ForceVariable}={forced}: expected one of "
                        + $"{string.Join(", ", Enum.GetValues<SimdIsa>().Where(IsSupported).Select(i => i.ToString().ToLowerInvariant()))} on this CPU"
                );
        return Enum.GetValues<SimdIsa>().First(IsSupported);
    }

    public static bool IsSupported(SimdIsa isa) =>
        isa switch
        {
            SimdIsa.Avx512 => Avx512F.IsSupported && Vector512.IsHardwareAccelerated,
            SimdIsa.Avx2 => Avx2.IsSupported && Fma.IsSupported,
            SimdIsa.Vector128 => AdvSimd.IsSupported || Sse2.IsSupported,
            _ => true,
        };

    public static string Describe(SimdIsa isa) =>
        isa switch
        {
            SimdIsa.Avx512 => "AVX-512, 512-bit vectors",
            SimdIsa.Avx2 => "AVX2 with FMA, 256-bit vectors",
            SimdIsa.Vector128 => AdvSimd.IsSupported ? "AdvSimd, 128-bit vectors" : "SSE, 128-bit vectors",
            _ => "scalar",
        };

    /// <summary>Whether the instruction set limits loads and stores to a vector's first lanes (x64 from AVX on).</summary>
    public static bool CanMask(SimdIsa isa) =>
        isa is SimdIsa.Avx512 or SimdIsa.Avx2 or SimdIsa.Vector128 && Avx.IsSupported;

    /// <summary>Rows of C a main tile covers: 3 vectors at 512 bits, 2 below.</summary>
    public static int MainTileRows<T>(SimdIsa isa)
        where T : unmanaged =>
        isa switch
        {
            SimdIsa.Avx512 => 3 * Vector512<T>.Count,
            SimdIsa.Avx2 => 2 * Vector256<T>.Count,
            SimdIsa.Vector128 => 2 * Vector128<T>.Count,
            _ => 2,
        };

    /// <summary>
    /// The register tiles <paramref name="tiling"/> cuts <paramref name="m"/> rows into, for a3 bench
    /// (e.g. "1 x 3x8 + 1 x 4x6, last vector masked to 2 rows").
    /// </summary>
    public static string DescribeTiles<T>(SimdIsa isa, GemmTiling tiling, int m)
        where T : unmanaged
    {
        var lanes = MainTileRows<T>(isa) / (isa == SimdIsa.Avx512 ? 3 : 2);
        var (tm, tn) = isa == SimdIsa.Avx512 ? (3, 8) : (2, 6);
        var parts = new List<string>();
        if (tiling == GemmTiling.OnePass && CanMask(isa))
        {
            var registers32 = lanes * Unsafe.SizeOf<T>() == 64;
            var (main, i) = (0, 0);
            for (; (m - i + lanes - 1) / lanes > (registers32 ? 4 : 3); i += tm * lanes)
                main++;
            var last = (m - i + lanes - 1) / lanes;
            var lastColumns = last switch
            {
                1 => 8,
                2 => registers32 ? 8 : 6,
                3 => registers32 ? 8 : 4,
                _ => 6,
            };
            if (main > 0)
                parts.Add($"{main} x {tm}x{tn}");
            parts.Add(
                $"1 x {last}x{lastColumns}{((m - i) % lanes is var left and > 0 ? $", last vector masked to {left} rows" : "")}"
            );
        }
        else
        {
            if (m / (tm * lanes) is var main and > 0)
                parts.Add($"{main} x {tm}x{tn}");
            if (m % (tm * lanes) / lanes is var single and > 0)
                parts.Add($"{single} x 1x{tn}");
            if (m % lanes is var left and > 0)
                parts.Add($"{left} rows apart");
        }
        return string.Join(" + ", parts);
    }

    /// <summary>The tiling products of this shape use: the forced one, or the one measured fastest on this core.</summary>
    public GemmTiling TilingFor<T>(bool transposeA, bool transposeB, int m, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        ForcedTiling ?? GemmTilings.For<T>(this, transposeA, transposeB, m, n, k);

    public void Gemm<T>(bool transposeA, bool transposeB, T alpha, Mat<T> a, Mat<T> b, T beta, Mat<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (m, n, k) = GemmShapes.Check(transposeA, transposeB, a, b, c);
        if (m == 0 || n == 0)
            return;
        if (alpha != T.One)
        {
            // C = alpha * (A B) + beta * C: the product into a scratch matrix first.
            var product = new Mat<T>(m, n);
            Gemm(transposeA, transposeB, T.One, a, b, T.Zero, product);
            for (var i = 0; i < c.Data.Length; i++)
                c.Data[i] = alpha * product.Data[i] + (beta == T.Zero ? T.Zero : beta * c.Data[i]);
            return;
        }
        if (beta != T.Zero && beta != T.One)
            for (var i = 0; i < c.Data.Length; i++)
                c.Data[i] *= beta;
        if (k == 0)
        {
            if (beta == T.Zero)
                Array.Clear(c.Data);
            return;
        }
        Multiply(TilingFor<T>(transposeA, transposeB, m, n, k), transposeA, transposeB, a, b, beta != T.Zero, c);
    }

    /// <summary>
    /// <see cref="IGemm.DescendAlongProduct{T}"/> one of two ways, whichever is faster for the shape on
    /// this core (<see cref="GemmTilings.StepsInKernel{T}"/>): in the kernels, the gradient never leaving
    /// the registers (each tile steps its weights: one pass over the rows, masked last vectors, W read
    /// and written once, its loads hidden under the multiply-adds; the stacked first layers of a group,
    /// MBs that do not fit in L2), or a block of columns at a time, each block's gradient stepped into W
    /// while it is still in cache (one network's first layer, which does). In the kernels needs masked
    /// loads and a batch of at most one k-block.
    /// </summary>
    public void DescendAlongProduct<T>(
        Mat<T> g,
        Mat<T> x,
        ReadOnlySpan<T> decay,
        ReadOnlySpan<T> eta,
        Mat<T> gradient,
        Mat<T> w
    )
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (m, d, k) = (g.Rows, x.Rows, g.Cols);
        DescendAlongProduct(
            g,
            x,
            decay,
            eta,
            gradient,
            w,
            k > 0 && k <= BlockK && CanMask(Isa) && GemmTilings.StepsInKernel<T>(this, m, d, k)
        );
    }

    internal void DescendAlongProduct<T>(
        Mat<T> g,
        Mat<T> x,
        ReadOnlySpan<T> decay,
        ReadOnlySpan<T> eta,
        Mat<T> gradient,
        Mat<T> w,
        bool inKernel
    )
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        GemmShapes.CheckDescent(g, x, decay, eta, gradient, w);
        var (m, d, k) = (g.Rows, x.Rows, g.Cols);
        if (m == 0 || d == 0)
            return;
        if (inKernel)
        {
            fixed (
                T* pg = g.Data,
                    px = x.Data,
                    pw = w.Data,
                    pd = decay,
                    pe = eta
            )
                Dispatch(
                    new Operands<T>(pg, m, false, px, d, true, pw, m, m, d, k, accumulate: false, pd, pe),
                    onePass: true
                );
            return;
        }
        if (k == 0)
            Array.Clear(gradient.Data);
        var onePass = TilingFor<T>(false, true, m, d, k) == GemmTiling.OnePass && CanMask(Isa);
        for (var jc = 0; jc < d; jc += BlockN)
        {
            var nc = Math.Min(BlockN, d - jc);
            if (k > 0)
                fixed (
                    T* pg = g.Data,
                        px = x.Data,
                        pc = gradient.Data
                )
                    Dispatch(
                        new Operands<T>(
                            pg,
                            m,
                            false,
                            px + jc,
                            d,
                            true,
                            pc + (nint)jc * m,
                            m,
                            m,
                            nc,
                            k,
                            accumulate: false
                        ),
                        onePass
                    );
            Elementwise.Descend(w.Data.AsSpan(jc * m, nc * m), gradient.Data.AsSpan(jc * m, nc * m), decay, eta);
        }
    }

    /// <summary>
    /// C = op(A) op(B), plus C when <paramref name="accumulate"/>, cut as <paramref name="tiling"/> says
    /// (shapes checked by the caller, k > 0).
    /// </summary>
    internal void Multiply<T>(
        GemmTiling tiling,
        bool transposeA,
        bool transposeB,
        Mat<T> a,
        Mat<T> b,
        bool accumulate,
        Mat<T> c
    )
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var onePass = tiling == GemmTiling.OnePass && CanMask(Isa);
        fixed (
            T* pa = a.Data,
                pb = b.Data,
                pc = c.Data
        )
        {
            var (m, n) = (c.Rows, c.Cols);
            var k = transposeA ? a.Rows : a.Cols;
            Dispatch(
                new Operands<T>(pa, a.Rows, transposeA, pb, b.Rows, transposeB, pc, c.Rows, m, n, k, accumulate),
                onePass
            );
        }
    }

    /// <summary>The product the operands describe, on this instruction set's kernels.</summary>
    private void Dispatch<T>(in Operands<T> operands, bool onePass)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (operands.Decay != null)
            Dispatch<T, Yes>(operands, onePass);
        else
            Dispatch<T, No>(operands, onePass);
    }

    private void Dispatch<T, TDescend>(in Operands<T> operands, bool onePass)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TDescend : IFlag
    {
        switch (Isa)
        {
            case SimdIsa.Avx512:
                Run<Vector512Ops<T>, Vector512<T>, T, Three, Eight, TDescend>(operands, Isa, onePass);
                break;
            case SimdIsa.Avx2:
                Run<Vector256Ops<T>, Vector256<T>, T, Two, Six, TDescend>(operands, Isa, onePass);
                break;
            case SimdIsa.Vector128:
                Run<Vector128Ops<T>, Vector128<T>, T, Two, Six, TDescend>(operands, Isa, onePass);
                break;
            default:
                Run<ScalarOps<T>, T, T, Two, Six, TDescend>(operands, Isa, onePass: false);
                break;
        }
    }

    /// <summary>C (m x n) (+)= op(A) (m x k) op(B) (k x n), each as a pointer and its stored row count.</summary>
    /// <summary>
    /// With <paramref name="decay"/> and <paramref name="eta"/> (one per row), C is a weight matrix stepped
    /// along the product (one pass, one k-block).
    /// </summary>
    private readonly struct Operands<T>(
        T* a,
        int ldA,
        bool transposeA,
        T* b,
        int ldB,
        bool transposeB,
        T* c,
        int ldC,
        int m,
        int n,
        int k,
        bool accumulate,
        T* decay = null,
        T* eta = null
    )
        where T : unmanaged
    {
        public readonly T* A = a,
            B = b,
            C = c,
            Decay = decay,
            Eta = eta;
        public readonly int LdA = ldA,
            LdB = ldB,
            LdC = ldC,
            M = m,
            N = n,
            K = k;
        public readonly bool TransposeA = transposeA,
            TransposeB = transposeB,
            Accumulate = accumulate;

        /// <summary>Distance between B's consecutive k (for one j), and between consecutive j (for one k).</summary>
        public (nint K, nint J) BStrides => TransposeB ? (LdB, 1) : (1, LdB);

        public T* BAt(int k, int j) => TransposeB ? B + j + (nint)k * LdB : B + k + (nint)j * LdB;
    }

    private static void Run<TOps, TV, T, TM, TN, TDescend>(in Operands<T> o, SimdIsa isa, bool onePass)
        where TOps : unmanaged, IVectorOps<TV, T>
        where TV : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
        where TM : IConstant
        where TN : IConstant
        where TDescend : IFlag
    {
        if (TDescend.Value && !onePass)
            throw new InvalidOperationException(
                "a product stepped into its weights runs in one pass (masked last vectors)"
            );
        var v = TOps.Count;
        var tileRows = TM.Value * v;
        var fullRows = o.M / v * v; // rows that whole vectors cover
        var (bk, bj) = o.BStrides;
        for (var jc = 0; jc < o.N; jc += BlockN)
        {
            var nc = Math.Min(BlockN, o.N - jc);
            for (var pc = 0; pc < o.K; pc += BlockK)
            {
                var kc = Math.Min(BlockK, o.K - pc);
                var load = pc > 0 || o.Accumulate;
                if (onePass)
                {
                    OnePass<TOps, TV, T, TM, TN, TDescend>(o, pc, kc, jc, nc, bk, bj, load);
                    continue;
                }
                var i = 0;
                for (; i + tileRows <= fullRows; i += tileRows)
                    RowBlock<TOps, TV, T, TM, TN, No, No>(o, i, tileRows, pc, kc, jc, nc, bk, bj, load);
                // Whole vectors that do not fill a tile: one or two.
                for (; i + v <= fullRows; i += v)
                    RowBlock<TOps, TV, T, One, TN, No, No>(o, i, v, pc, kc, jc, nc, bk, bj, load);
                if (i < o.M)
                    Remainder<TOps, TV, T>(o, isa, i, pc, kc, jc, nc, bk, bj, load);
            }
        }
    }

    /// <summary>
    /// <see cref="GemmTiling.OnePass"/>: main tiles while more than four vectors of rows are left (three
    /// where 16 registers must hold the accumulators), then one tile of the rest, the last vector masked.
    /// </summary>
    private static void OnePass<TOps, TV, T, TM, TN, TDescend>(
        in Operands<T> o,
        int pc,
        int kc,
        int jc,
        int nc,
        nint bk,
        nint bj,
        bool load
    )
        where TOps : unmanaged, IVectorOps<TV, T>
        where TV : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
        where TM : IConstant
        where TN : IConstant
        where TDescend : IFlag
    {
        var v = TOps.Count;
        var registers32 = TOps.Count * sizeof(T) == 64;
        var i = 0;
        for (; (o.M - i + v - 1) / v > (registers32 ? 4 : 3); i += TM.Value * v)
            RowBlock<TOps, TV, T, TM, TN, No, TDescend>(o, i, TM.Value * v, pc, kc, jc, nc, bk, bj, load);
        var rows = o.M - i;
        switch ((rows + v - 1) / v, rows % v != 0, registers32)
        {
            case (1, true, _):
                RowBlock<TOps, TV, T, One, Eight, Yes, TDescend>(o, i, rows, pc, kc, jc, nc, bk, bj, load);
                break;
            case (1, false, _):
                RowBlock<TOps, TV, T, One, Eight, No, TDescend>(o, i, rows, pc, kc, jc, nc, bk, bj, load);
                break;
            case (2, true, true):
                RowBlock<TOps, TV, T, Two, Eight, Yes, TDescend>(o, i, rows, pc, kc, jc, nc, bk, bj, load);
                break;
            case (2, false, true):
                RowBlock<TOps, TV, T, Two, Eight, No, TDescend>(o, i, rows, pc, kc, jc, nc, bk, bj, load);
                break;
            case (2, true, false):
                RowBlock<TOps, TV, T, Two, Six, Yes, TDescend>(o, i, rows, pc, kc, jc, nc, bk, bj, load);
                break;
            case (2, false, false):
                RowBlock<TOps, TV, T, Two, Six, No, TDescend>(o, i, rows, pc, kc, jc, nc, bk, bj, load);
                break;
            case (3, true, true):
                RowBlock<TOps, TV, T, Three, Eight, Yes, TDescend>(o, i, rows, pc, kc, jc, nc, bk, bj, load);
                break;
            case (3, false, true):
                RowBlock<TOps, TV, T, Three, Eight, No, TDescend>(o, i, rows, pc, kc, jc, nc, bk, bj, load);
                break;
            case (3, true, false):
                RowBlock<TOps, TV, T, Three, Four, Yes, TDescend>(o, i, rows, pc, kc, jc, nc, bk, bj, load);
                break;
            case (3, false, false):
                RowBlock<TOps, TV, T, Three, Four, No, TDescend>(o, i, rows, pc, kc, jc, nc, bk, bj, load);
                break;
            case (_, true, _):
                RowBlock<TOps, TV, T, Four, Six, Yes, TDescend>(o, i, rows, pc, kc, jc, nc, bk, bj, load);
                break;
            default:
                RowBlock<TOps, TV, T, Four, Six, No, TDescend>(o, i, rows, pc, kc, jc, nc, bk, bj, load);
                break;
        }
    }

    /// <summary>
    /// Rows [i, i + rows) of C, columns [jc, jc + nc), over k in [pc, pc + kc): TM vectors of rows, the
    /// last of them masked to the rows left when <typeparamref name="TMasked"/>.
    /// </summary>
    private static void RowBlock<TOps, TV, T, TM, TN, TMasked, TDescend>(
        in Operands<T> o,
        int i,
        int rows,
        int pc,
        int kc,
        int jc,
        int nc,
        nint bk,
        nint bj,
        bool load
    )
        where TOps : unmanaged, IVectorOps<TV, T>
        where TV : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
        where TM : IConstant
        where TN : IConstant
        where TMasked : IFlag
        where TDescend : IFlag
    {
        var lastRows = TMasked.Value ? TOps.FirstLanes(rows - (TM.Value - 1) * TOps.Count) : default;
        // A transposed: its rows packed densely, k after k. A masked last vector reads no lane past them,
        // so there is no padding to zero (masked loads of freshly written padding stall on x64).
        var a = o.TransposeA ? PackPanel(o, i, rows, rows, pc, kc) : o.A + i + (nint)pc * o.LdA;
        nint lda = o.TransposeA ? rows : o.LdA;
        T* decay = o.Decay == null ? null : o.Decay + i,
            eta = o.Eta == null ? null : o.Eta + i;
        var j = jc;
        for (; j + TN.Value <= jc + nc; j += TN.Value)
            SimdKernels<TOps, TV, T>.Tile<TM, TN, TMasked, TDescend>(
                kc,
                a,
                lda,
                o.BAt(pc, j),
                bk,
                bj,
                o.C + i + (nint)j * o.LdC,
                o.LdC,
                load,
                lastRows,
                decay,
                eta
            );
        if (j < jc + nc)
            EdgeColumns<TOps, TV, T, TM, TMasked, TDescend>(
                kc,
                a,
                lda,
                o.BAt(pc, j),
                bk,
                bj,
                o.C + i + (nint)j * o.LdC,
                o.LdC,
                load,
                jc + nc - j,
                lastRows,
                decay,
                eta
            );
    }

    /// <summary>The last columns, fewer than a tile's: a tile of exactly that many.</summary>
    private static void EdgeColumns<TOps, TV, T, TM, TMasked, TDescend>(
        int kc,
        T* a,
        nint lda,
        T* b,
        nint bk,
        nint bj,
        T* c,
        nint ldc,
        bool load,
        int columns,
        TV lastRows = default,
        T* decay = null,
        T* eta = null
    )
        where TOps : unmanaged, IVectorOps<TV, T>
        where TV : unmanaged
        where T : unmanaged
        where TM : IConstant
        where TMasked : IFlag
        where TDescend : IFlag
    {
        switch (columns)
        {
            case 1:
                SimdKernels<TOps, TV, T>.Tile<TM, One, TMasked, TDescend>(
                    kc,
                    a,
                    lda,
                    b,
                    bk,
                    bj,
                    c,
                    ldc,
                    load,
                    lastRows,
                    decay,
                    eta
                );
                break;
            case 2:
                SimdKernels<TOps, TV, T>.Tile<TM, Two, TMasked, TDescend>(
                    kc,
                    a,
                    lda,
                    b,
                    bk,
                    bj,
                    c,
                    ldc,
                    load,
                    lastRows,
                    decay,
                    eta
                );
                break;
            case 3:
                SimdKernels<TOps, TV, T>.Tile<TM, Three, TMasked, TDescend>(
                    kc,
                    a,
                    lda,
                    b,
                    bk,
                    bj,
                    c,
                    ldc,
                    load,
                    lastRows,
                    decay,
                    eta
                );
                break;
            case 4:
                SimdKernels<TOps, TV, T>.Tile<TM, Four, TMasked, TDescend>(
                    kc,
                    a,
                    lda,
                    b,
                    bk,
                    bj,
                    c,
                    ldc,
                    load,
                    lastRows,
                    decay,
                    eta
                );
                break;
            case 5:
                SimdKernels<TOps, TV, T>.Tile<TM, Five, TMasked, TDescend>(
                    kc,
                    a,
                    lda,
                    b,
                    bk,
                    bj,
                    c,
                    ldc,
                    load,
                    lastRows,
                    decay,
                    eta
                );
                break;
            case 6:
                SimdKernels<TOps, TV, T>.Tile<TM, Six, TMasked, TDescend>(
                    kc,
                    a,
                    lda,
                    b,
                    bk,
                    bj,
                    c,
                    ldc,
                    load,
                    lastRows,
                    decay,
                    eta
                );
                break;
            default:
                SimdKernels<TOps, TV, T>.Tile<TM, Seven, TMasked, TDescend>(
                    kc,
                    a,
                    lda,
                    b,
                    bk,
                    bj,
                    c,
                    ldc,
                    load,
                    lastRows,
                    decay,
                    eta
                );
                break;
        }
    }

    /// <summary>
    /// The rows after the last whole vector of the main width. Where B's rows are contiguous, they
    /// run along the columns, whole vectors of them (<see cref="SimdKernels{TOps, TV, T}.RowsAlongColumns"/>);
    /// otherwise, and for the last columns, as one vector of the main width whose loads and stores are
    /// masked to them (x64), or in whole narrower vectors where they fit, then in a zero-padded 128-bit
    /// panel (ARM64). Only widths up to <paramref name="isa"/>'s.
    /// </summary>
    private static void Remainder<TOps, TV, T>(
        in Operands<T> o,
        SimdIsa isa,
        int i,
        int pc,
        int kc,
        int jc,
        int nc,
        nint bk,
        nint bj,
        bool load
    )
        where TOps : unmanaged, IVectorOps<TV, T>
        where TV : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var left = o.M - i;
        if (bj == 1)
        {
            var width = 4 * TOps.Count;
            var a = o.TransposeA ? PackPanel(o, i, left, left, pc, kc) : o.A + i + (nint)pc * o.LdA;
            nint lda = o.TransposeA ? left : o.LdA;
            var scratch = stackalloc T[4 * width];
            var end = jc + nc;
            for (; jc + width <= end; jc += width)
            for (var g = 0; g < left; g += 4)
            {
                T* ag = a + g,
                    bp = o.BAt(pc, jc),
                    cg = o.C + i + g + (nint)jc * o.LdC;
                switch (Math.Min(4, left - g))
                {
                    case 1:
                        SimdKernels<TOps, TV, T>.RowsAlongColumns<One>(kc, ag, lda, bp, bk, cg, o.LdC, load, scratch);
                        break;
                    case 2:
                        SimdKernels<TOps, TV, T>.RowsAlongColumns<Two>(kc, ag, lda, bp, bk, cg, o.LdC, load, scratch);
                        break;
                    case 3:
                        SimdKernels<TOps, TV, T>.RowsAlongColumns<Three>(kc, ag, lda, bp, bk, cg, o.LdC, load, scratch);
                        break;
                    default:
                        SimdKernels<TOps, TV, T>.RowsAlongColumns<Four>(kc, ag, lda, bp, bk, cg, o.LdC, load, scratch);
                        break;
                }
            }
            nc = end - jc;
            if (nc == 0)
                return;
        }
        if (TOps.CanMask)
        {
            // One vector, the narrowest that covers them, its loads and stores masked to them.
            if (left < Vector128<T>.Count)
                RowBlock<Vector128Ops<T>, Vector128<T>, T, One, Eight, Yes, No>(
                    o,
                    i,
                    left,
                    pc,
                    kc,
                    jc,
                    nc,
                    bk,
                    bj,
                    load
                );
            else if (left == Vector128<T>.Count)
                RowBlock<Vector128Ops<T>, Vector128<T>, T, One, Eight, No, No>(
                    o,
                    i,
                    left,
                    pc,
                    kc,
                    jc,
                    nc,
                    bk,
                    bj,
                    load
                );
            else if (left < Vector256<T>.Count)
                RowBlock<Vector256Ops<T>, Vector256<T>, T, One, Eight, Yes, No>(
                    o,
                    i,
                    left,
                    pc,
                    kc,
                    jc,
                    nc,
                    bk,
                    bj,
                    load
                );
            else if (left == Vector256<T>.Count)
                RowBlock<Vector256Ops<T>, Vector256<T>, T, One, Eight, No, No>(
                    o,
                    i,
                    left,
                    pc,
                    kc,
                    jc,
                    nc,
                    bk,
                    bj,
                    load
                );
            else
                RowBlock<TOps, TV, T, One, Eight, Yes, No>(o, i, left, pc, kc, jc, nc, bk, bj, load);
            return;
        }
        if (left >= Vector256<T>.Count && isa == SimdIsa.Avx512)
        {
            RowBlock<Vector256Ops<T>, Vector256<T>, T, One, Eight, No, No>(
                o,
                i,
                Vector256<T>.Count,
                pc,
                kc,
                jc,
                nc,
                bk,
                bj,
                load
            );
            i += Vector256<T>.Count;
            left -= Vector256<T>.Count;
        }
        if (left >= Vector128<T>.Count)
        {
            RowBlock<Vector128Ops<T>, Vector128<T>, T, One, Eight, No, No>(
                o,
                i,
                Vector128<T>.Count,
                pc,
                kc,
                jc,
                nc,
                bk,
                bj,
                load
            );
            i += Vector128<T>.Count;
            left -= Vector128<T>.Count;
        }
        if (left > 0)
            PaddedRows<Vector128Ops<T>, Vector128<T>, T>(o, i, left, pc, kc, jc, nc, bk, bj, load);
    }

    /// <summary>
    /// <paramref name="rows"/> rows (fewer than a vector's lanes) computed as a whole vector: A's rows
    /// copied into a zero-padded panel, each tile of C through a scratch tile, only the real rows
    /// copied back. The padding lanes compute zeros nobody reads.
    /// </summary>
    private static void PaddedRows<TOps, TV, T>(
        in Operands<T> o,
        int i,
        int rows,
        int pc,
        int kc,
        int jc,
        int nc,
        nint bk,
        nint bj,
        bool load
    )
        where TOps : unmanaged, IVectorOps<TV, T>
        where TV : unmanaged
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var v = TOps.Count;
        var a = PackPanel(o, i, rows, v, pc, kc);
        var tile = stackalloc T[v * 8];
        for (var j = jc; j < jc + nc; j += 8)
        {
            var columns = Math.Min(8, jc + nc - j);
            var c = o.C + i + (nint)j * o.LdC;
            if (load)
                for (var jj = 0; jj < columns; jj++)
                for (var ii = 0; ii < rows; ii++)
                    tile[ii + jj * v] = c[ii + (nint)jj * o.LdC];
            if (columns == 8)
                SimdKernels<TOps, TV, T>.Tile<One, Eight, No, No>(kc, a, v, o.BAt(pc, j), bk, bj, tile, v, load);
            else
                EdgeColumns<TOps, TV, T, One, No, No>(kc, a, v, o.BAt(pc, j), bk, bj, tile, v, load, columns);
            for (var jj = 0; jj < columns; jj++)
            for (var ii = 0; ii < rows; ii++)
                c[ii + (nint)jj * o.LdC] = tile[ii + jj * v];
        }
    }

    /// <summary>
    /// Rows [i, i + rows) of op(A) over k in [pc, pc + kc), copied k by k into a panel of
    /// <paramref name="width"/> rows per k (zeros beyond <paramref name="rows"/>): what the kernels
    /// read when A is transposed or a panel must be padded. The panel is this thread's scratch buffer.
    /// </summary>
    private static T* PackPanel<T>(in Operands<T> o, int i, int rows, int width, int pc, int kc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var panel = Scratch<T>.Panel(width * kc);
        if (o.TransposeA)
            // op(A)'s row i is A's column i: each k's rows gathered from them, the panel written in order.
            for (var kk = 0; kk < kc; kk++)
            {
                var source = o.A + pc + kk + (nint)i * o.LdA;
                for (var r = 0; r < rows; r++)
                    panel[kk * width + r] = source[(nint)r * o.LdA];
            }
        else
            for (var kk = 0; kk < kc; kk++)
            {
                var source = o.A + i + (nint)(pc + kk) * o.LdA;
                for (var r = 0; r < rows; r++)
                    panel[kk * width + r] = source[r];
            }
        for (var kk = 0; kk < kc; kk++)
        for (var r = rows; r < width; r++)
            panel[kk * width + r] = T.Zero;
        return panel;
    }

    /// <summary>Each thread's panel buffer, pinned and grown as needed: packing allocates nothing after the first calls.</summary>
    private static class Scratch<T>
        where T : unmanaged
    {
        [ThreadStatic]
        private static T[]? buffer;

        public static T* Panel(int length)
        {
            if (buffer is null || buffer.Length < length)
                buffer = GC.AllocateArray<T>(Math.Max(length, 64 * BlockK), pinned: true);
            return (T*)Unsafe.AsPointer(ref buffer[0]);
        }
    }
}
