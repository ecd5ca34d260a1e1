using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Assignment3.Core.Numerics;

/// <summary>
/// The few vector operations the GEMM micro-kernels use, for one vector width and element type.
/// The kernels are generic over an implementation (a struct), so the JIT compiles one specialised
/// copy per width with the operations inlined: one kernel source for AVX-512, AVX2, 128-bit
/// (AdvSimd on ARM64) and scalar code.
/// </summary>
public unsafe interface IVectorOps<TV, T>
    where TV : unmanaged
    where T : unmanaged
{
    /// <summary>Lanes per vector.</summary>
    static abstract int Count { get; }
    static abstract TV Load(T* p);
    static abstract TV Broadcast(T value);

    /// <summary>a * b + c, rounded once, lane by lane.</summary>
    static abstract TV MultiplyAdd(TV a, TV b, TV c);
    static abstract void Store(TV value, T* p);

    /// <summary>Whether loads and stores can be limited to the first lanes (<see cref="FirstLanes"/>).</summary>
    static abstract bool CanMask { get; }

    /// <summary>A mask of the first <paramref name="count"/> lanes.</summary>
    static abstract TV FirstLanes(int count);

    /// <summary>The lanes <paramref name="mask"/> selects from p, zeros elsewhere; nothing else is read.</summary>
    static abstract TV LoadMasked(T* p, TV mask);

    /// <summary>The lanes <paramref name="mask"/> selects, stored to p; nothing else is written.</summary>
    static abstract void StoreMasked(TV value, T* p, TV mask);

    /// <summary>
    /// w * decay - g * eta, lane by lane (two products rounded, then the difference), a subnormal result
    /// 0: <see cref="Elementwise.Descend{T}(Span{T}, ReadOnlySpan{T}, T, T)"/>.
    /// </summary>
    static abstract TV Descend(TV w, TV g, TV decay, TV eta);
    static abstract TV Multiply(TV a, TV b);

    /// <summary>Each lane to the nearest whole number, ties to even (as <see cref="Math.Round(double)"/>).</summary>
    static abstract TV Round(TV a);

    /// <summary>p * 2^k for whole-numbered k whose 2^k is a normal number: exact while the product is normal (as <see cref="Math.ScaleB"/>).</summary>
    static abstract TV ScaleByPowerOfTwo(TV p, TV k);

    /// <summary>Whether every lane lies in [low, high] (NaN does not).</summary>
    static abstract bool AllWithin(TV v, T low, T high);
}

public unsafe struct Vector512Ops<T> : IVectorOps<Vector512<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector512<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load(T* p) => Vector512.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Broadcast(T value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MultiplyAdd(Vector512<T> a, Vector512<T> b, Vector512<T> c) =>
        typeof(T) == typeof(float)
            ? Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>()
            : Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<T> value, T* p) => value.Store(p);

    public static bool CanMask => Avx512F.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> FirstLanes(int count) =>
        typeof(T) == typeof(float)
            ? Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).As<int, T>()
            : Vector512.LessThan(Vector512<long>.Indices, Vector512.Create((long)count)).As<long, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LoadMasked(T* p, Vector512<T> mask) =>
        typeof(T) == typeof(float)
            ? Avx512F.MaskLoad((float*)p, mask.AsSingle(), Vector512<float>.Zero).As<float, T>()
            : Avx512F.MaskLoad((double*)p, mask.AsDouble(), Vector512<double>.Zero).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreMasked(Vector512<T> value, T* p, Vector512<T> mask)
    {
        if (typeof(T) == typeof(float))
            Avx512F.MaskStore((float*)p, mask.AsSingle(), value.AsSingle());
        else
            Avx512F.MaskStore((double*)p, mask.AsDouble(), value.AsDouble());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Descend(Vector512<T> w, Vector512<T> g, Vector512<T> decay, Vector512<T> eta)
    {
        var updated = w * decay - g * eta;
        var subnormal = Vector512.LessThan(Vector512.Abs(updated), Vector512.Create(Elementwise.SmallestNormal<T>()));
        return Vector512.ConditionalSelect(subnormal, Vector512<T>.Zero, updated);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Multiply(Vector512<T> a, Vector512<T> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Round(Vector512<T> a) =>
        typeof(T) == typeof(double)
            ? Vector512.Round(a.AsDouble()).As<double, T>()
            : Vector512.Round(a.AsSingle()).As<float, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> ScaleByPowerOfTwo(Vector512<T> p, Vector512<T> k) =>
        typeof(T) == typeof(double)
            ? p
                * Vector512
                    .ShiftLeft(Vector512.ConvertToInt64(k.AsDouble()) + Vector512.Create(1023L), 52)
                    .As<long, T>()
            : p * Vector512.ShiftLeft(Vector512.ConvertToInt32(k.AsSingle()) + Vector512.Create(127), 23).As<int, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AllWithin(Vector512<T> v, T low, T high) =>
        Vector512.GreaterThanOrEqualAll(v, Vector512.Create(low))
        && Vector512.LessThanOrEqualAll(v, Vector512.Create(high));
}

public unsafe struct Vector256Ops<T> : IVectorOps<Vector256<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector256<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Load(T* p) => Vector256.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Broadcast(T value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MultiplyAdd(Vector256<T> a, Vector256<T> b, Vector256<T> c) =>
        typeof(T) == typeof(float)
            ? Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>()
            : Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<T> value, T* p) => value.Store(p);

    public static bool CanMask => Avx.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> FirstLanes(int count) =>
        typeof(T) == typeof(float)
            ? Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).As<int, T>()
            : Vector256.LessThan(Vector256<long>.Indices, Vector256.Create((long)count)).As<long, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> LoadMasked(T* p, Vector256<T> mask) =>
        // AVX-512's mask registers where the CPU has them (fast), else AVX's vmaskmov.
        Avx512F.VL.IsSupported
            ? typeof(T) == typeof(float)
                ? Avx512F.VL.MaskLoad((float*)p, mask.AsSingle(), Vector256<float>.Zero).As<float, T>()
                : Avx512F.VL.MaskLoad((double*)p, mask.AsDouble(), Vector256<double>.Zero).As<double, T>()
            : typeof(T) == typeof(float)
                ? Avx.MaskLoad((float*)p, mask.AsSingle()).As<float, T>()
                : Avx.MaskLoad((double*)p, mask.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreMasked(Vector256<T> value, T* p, Vector256<T> mask)
    {
        if (Avx512F.VL.IsSupported)
        {
            if (typeof(T) == typeof(float))
                Avx512F.VL.MaskStore((float*)p, mask.AsSingle(), value.AsSingle());
            else
                Avx512F.VL.MaskStore((double*)p, mask.AsDouble(), value.AsDouble());
        }
        else if (typeof(T) == typeof(float))
            Avx.MaskStore((float*)p, mask.AsSingle(), value.AsSingle());
        else
            Avx.MaskStore((double*)p, mask.AsDouble(), value.AsDouble());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Descend(Vector256<T> w, Vector256<T> g, Vector256<T> decay, Vector256<T> eta)
    {
        var updated = w * decay - g * eta;
        var subnormal = Vector256.LessThan(Vector256.Abs(updated), Vector256.Create(Elementwise.SmallestNormal<T>()));
        return Vector256.ConditionalSelect(subnormal, Vector256<T>.Zero, updated);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Multiply(Vector256<T> a, Vector256<T> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Round(Vector256<T> a) =>
        typeof(T) == typeof(double)
            ? Vector256.Round(a.AsDouble()).As<double, T>()
            : Vector256.Round(a.AsSingle()).As<float, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> ScaleByPowerOfTwo(Vector256<T> p, Vector256<T> k) =>
        typeof(T) == typeof(double)
            ? p
                * Vector256
                    .ShiftLeft(Vector256.ConvertToInt64(k.AsDouble()) + Vector256.Create(1023L), 52)
                    .As<long, T>()
            : p * Vector256.ShiftLeft(Vector256.ConvertToInt32(k.AsSingle()) + Vector256.Create(127), 23).As<int, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AllWithin(Vector256<T> v, T low, T high) =>
        Vector256.GreaterThanOrEqualAll(v, Vector256.Create(low))
        && Vector256.LessThanOrEqualAll(v, Vector256.Create(high));
}

public unsafe struct Vector128Ops<T> : IVectorOps<Vector128<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector128<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Load(T* p) => Vector128.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Broadcast(T value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> MultiplyAdd(Vector128<T> a, Vector128<T> b, Vector128<T> c) =>
        typeof(T) == typeof(float)
            ? Vector128.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>()
            : Vector128.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<T> value, T* p) => value.Store(p);

    public static bool CanMask => Avx.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> FirstLanes(int count) =>
        typeof(T) == typeof(float)
            ? Vector128.LessThan(Vector128<int>.Indices, Vector128.Create(count)).As<int, T>()
            : Vector128.LessThan(Vector128<long>.Indices, Vector128.Create((long)count)).As<long, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> LoadMasked(T* p, Vector128<T> mask) =>
        // AVX-512's mask registers where the CPU has them (fast), else AVX's vmaskmov.
        Avx512F.VL.IsSupported
            ? typeof(T) == typeof(float)
                ? Avx512F.VL.MaskLoad((float*)p, mask.AsSingle(), Vector128<float>.Zero).As<float, T>()
                : Avx512F.VL.MaskLoad((double*)p, mask.AsDouble(), Vector128<double>.Zero).As<double, T>()
            : typeof(T) == typeof(float)
                ? Avx.MaskLoad((float*)p, mask.AsSingle()).As<float, T>()
                : Avx.MaskLoad((double*)p, mask.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreMasked(Vector128<T> value, T* p, Vector128<T> mask)
    {
        if (Avx512F.VL.IsSupported)
        {
            if (typeof(T) == typeof(float))
                Avx512F.VL.MaskStore((float*)p, mask.AsSingle(), value.AsSingle());
            else
                Avx512F.VL.MaskStore((double*)p, mask.AsDouble(), value.AsDouble());
        }
        else if (typeof(T) == typeof(float))
            Avx.MaskStore((float*)p, mask.AsSingle(), value.AsSingle());
        else
            Avx.MaskStore((double*)p, mask.AsDouble(), value.AsDouble());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Descend(Vector128<T> w, Vector128<T> g, Vector128<T> decay, Vector128<T> eta)
    {
        var updated = w * decay - g * eta;
        var subnormal = Vector128.LessThan(Vector128.Abs(updated), Vector128.Create(Elementwise.SmallestNormal<T>()));
        return Vector128.ConditionalSelect(subnormal, Vector128<T>.Zero, updated);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Multiply(Vector128<T> a, Vector128<T> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Round(Vector128<T> a) =>
        typeof(T) == typeof(double)
            ? Vector128.Round(a.AsDouble()).As<double, T>()
            : Vector128.Round(a.AsSingle()).As<float, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> ScaleByPowerOfTwo(Vector128<T> p, Vector128<T> k) =>
        typeof(T) == typeof(double)
            ? p
                * Vector128
                    .ShiftLeft(Vector128.ConvertToInt64(k.AsDouble()) + Vector128.Create(1023L), 52)
                    .As<long, T>()
            : p * Vector128.ShiftLeft(Vector128.ConvertToInt32(k.AsSingle()) + Vector128.Create(127), 23).As<int, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AllWithin(Vector128<T> v, T low, T high) =>
        Vector128.GreaterThanOrEqualAll(v, Vector128.Create(low))
        && Vector128.LessThanOrEqualAll(v, Vector128.Create(high));
}

/// <summary>One lane: plain fused multiply-adds (the fallback where no vector unit is usable).</summary>
public unsafe struct ScalarOps<T> : IVectorOps<T, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Load(T* p) => *p;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Broadcast(T value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MultiplyAdd(T a, T b, T c) => T.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(T value, T* p) => *p = value;

    public static bool CanMask => false;

    public static T FirstLanes(int count) => throw new NotSupportedException("one lane has nothing to mask");

    public static T LoadMasked(T* p, T mask) => throw new NotSupportedException("one lane has nothing to mask");

    public static void StoreMasked(T value, T* p, T mask) =>
        throw new NotSupportedException("one lane has nothing to mask");

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Descend(T w, T g, T decay, T eta)
    {
        var updated = w * decay - g * eta;
        return T.Abs(updated) < Elementwise.SmallestNormal<T>() ? T.Zero : updated;
    }

    public static T Multiply(T a, T b) => a * b;

    public static T Round(T a) => T.Round(a);

    public static T ScaleByPowerOfTwo(T p, T k) => T.ScaleB(p, int.CreateChecked(k));

    public static bool AllWithin(T v, T low, T high) => v >= low && v <= high;
}

/// <summary>A count known when the JIT compiles a kernel (tile sizes).</summary>
public interface IConstant
{
    static abstract int Value { get; }
}

public struct One : IConstant
{
    public static int Value => 1;
}

public struct Two : IConstant
{
    public static int Value => 2;
}

public struct Three : IConstant
{
    public static int Value => 3;
}

public struct Four : IConstant
{
    public static int Value => 4;
}

public struct Five : IConstant
{
    public static int Value => 5;
}

public struct Six : IConstant
{
    public static int Value => 6;
}

public struct Seven : IConstant
{
    public static int Value => 7;
}

public struct Eight : IConstant
{
    public static int Value => 8;
}

/// <summary>A yes or no known when the JIT compiles a kernel.</summary>
public interface IFlag
{
    static abstract bool Value { get; }
}

public struct Yes : IFlag
{
    public static bool Value => true;
}

public struct No : IFlag
{
    public static bool Value => false;
}

/// <summary>
/// Register-blocked GEMM micro-kernels: a tile of C (rows along the vector lanes, one vector per
/// <c>Count</c> rows; columns as broadcasts) takes, for k = 0, 1, ..., kc - 1 in order, one fused
/// multiply-add per element: c = fma(a[i,k], b[k,j], c). Every element of C is so accumulated by the
/// same sequence of operations whatever the tile, the vector width or the blocking, which is what
/// makes results bit-identical across AVX-512, AVX2, ARM64 and scalar code.
/// A: element (i, k) at a[i + k*lda] (rows contiguous); B: element (k, j) at b[k*bk + j*bj];
/// C: element (i, j) at c[i + j*ldc]. With <c>load</c> the tile starts from C, else from zero.
/// </summary>
public static unsafe class SimdKernels<TOps, TV, T>
    where TOps : unmanaged, IVectorOps<TV, T>
    where TV : unmanaged
    where T : unmanaged
{
    /// <summary>
    /// <typeparamref name="TM"/> vectors of rows (1 to 4) x <typeparamref name="TN"/> columns (1 to 8),
    /// up to 24 accumulators. Both counts are compile-time constants, so the JIT keeps only the
    /// accumulators a tile uses, all in registers (3 x 8 and 4 x 6 need 29 to 32 vector registers,
    /// 2 x 6 and 3 x 4 fit in 16).
    /// </summary>
    /// With <typeparamref name="TMasked"/>, the last vector of rows reads and writes only the lanes
    /// <paramref name="lastRows"/> selects (a partial vector at the end of C, without padding or copies).
    /// With <typeparamref name="TDescend"/>, C is a weight matrix and the tile its gradient: each element
    /// is stepped with its row's <paramref name="decay"/> and <paramref name="eta"/>, w = decay * w - eta *
    /// gradient (<see cref="IVectorOps{TV, T}.Descend"/>), instead of stored: the gradient never leaves the
    /// registers. A flag known when the JIT compiles the kernel, so the plain kernels carry none of it.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile<TM, TN, TMasked, TDescend>(
        int kc,
        T* a,
        nint lda,
        T* b,
        nint bk,
        nint bj,
        T* c,
        nint ldc,
        bool load,
        TV lastRows = default,
        T* decay = null,
        T* eta = null
    )
        where TM : IConstant
        where TN : IConstant
        where TMasked : IFlag
        where TDescend : IFlag
    {
        var v = TOps.Count;
        TV c00,
            c10,
            c20,
            c30,
            c01,
            c11,
            c21,
            c31,
            c02,
            c12,
            c22,
            c32,
            c03,
            c13,
            c23,
            c33;
        TV c04,
            c14,
            c24,
            c34,
            c05,
            c15,
            c25,
            c35,
            c06,
            c16,
            c26,
            c36,
            c07,
            c17,
            c27,
            c37;
        c00 = c10 = c20 = c30 = c01 = c11 = c21 = c31 = c02 = c12 = c22 = c32 = c03 = c13 = c23 = c33 = default;
        c04 = c14 = c24 = c34 = c05 = c15 = c25 = c35 = c06 = c16 = c26 = c36 = c07 = c17 = c27 = c37 = default;
        if (load)
        {
            var p = c;
            if (TN.Value > 0)
            {
                c00 = LoadRow<TM, TMasked>(p, 0, lastRows);
                if (TM.Value > 1)
                    c10 = LoadRow<TM, TMasked>(p + v, 1, lastRows);
                if (TM.Value > 2)
                    c20 = LoadRow<TM, TMasked>(p + 2 * v, 2, lastRows);
                if (TM.Value > 3)
                    c30 = LoadRow<TM, TMasked>(p + 3 * v, 3, lastRows);
                p += ldc;
            }
            if (TN.Value > 1)
            {
                c01 = LoadRow<TM, TMasked>(p, 0, lastRows);
                if (TM.Value > 1)
                    c11 = LoadRow<TM, TMasked>(p + v, 1, lastRows);
                if (TM.Value > 2)
                    c21 = LoadRow<TM, TMasked>(p + 2 * v, 2, lastRows);
                if (TM.Value > 3)
                    c31 = LoadRow<TM, TMasked>(p + 3 * v, 3, lastRows);
                p += ldc;
            }
            if (TN.Value > 2)
            {
                c02 = LoadRow<TM, TMasked>(p, 0, lastRows);
                if (TM.Value > 1)
                    c12 = LoadRow<TM, TMasked>(p + v, 1, lastRows);
                if (TM.Value > 2)
                    c22 = LoadRow<TM, TMasked>(p + 2 * v, 2, lastRows);
                if (TM.Value > 3)
                    c32 = LoadRow<TM, TMasked>(p + 3 * v, 3, lastRows);
                p += ldc;
            }
            if (TN.Value > 3)
            {
                c03 = LoadRow<TM, TMasked>(p, 0, lastRows);
                if (TM.Value > 1)
                    c13 = LoadRow<TM, TMasked>(p + v, 1, lastRows);
                if (TM.Value > 2)
                    c23 = LoadRow<TM, TMasked>(p + 2 * v, 2, lastRows);
                if (TM.Value > 3)
                    c33 = LoadRow<TM, TMasked>(p + 3 * v, 3, lastRows);
                p += ldc;
            }
            if (TN.Value > 4)
            {
                c04 = LoadRow<TM, TMasked>(p, 0, lastRows);
                if (TM.Value > 1)
                    c14 = LoadRow<TM, TMasked>(p + v, 1, lastRows);
                if (TM.Value > 2)
                    c24 = LoadRow<TM, TMasked>(p + 2 * v, 2, lastRows);
                if (TM.Value > 3)
                    c34 = LoadRow<TM, TMasked>(p + 3 * v, 3, lastRows);
                p += ldc;
            }
            if (TN.Value > 5)
            {
                c05 = LoadRow<TM, TMasked>(p, 0, lastRows);
                if (TM.Value > 1)
                    c15 = LoadRow<TM, TMasked>(p + v, 1, lastRows);
                if (TM.Value > 2)
                    c25 = LoadRow<TM, TMasked>(p + 2 * v, 2, lastRows);
                if (TM.Value > 3)
                    c35 = LoadRow<TM, TMasked>(p + 3 * v, 3, lastRows);
                p += ldc;
            }
            if (TN.Value > 6)
            {
                c06 = LoadRow<TM, TMasked>(p, 0, lastRows);
                if (TM.Value > 1)
                    c16 = LoadRow<TM, TMasked>(p + v, 1, lastRows);
                if (TM.Value > 2)
                    c26 = LoadRow<TM, TMasked>(p + 2 * v, 2, lastRows);
                if (TM.Value > 3)
                    c36 = LoadRow<TM, TMasked>(p + 3 * v, 3, lastRows);
                p += ldc;
            }
            if (TN.Value > 7)
            {
                c07 = LoadRow<TM, TMasked>(p, 0, lastRows);
                if (TM.Value > 1)
                    c17 = LoadRow<TM, TMasked>(p + v, 1, lastRows);
                if (TM.Value > 2)
                    c27 = LoadRow<TM, TMasked>(p + 2 * v, 2, lastRows);
                if (TM.Value > 3)
                    c37 = LoadRow<TM, TMasked>(p + 3 * v, 3, lastRows);
                p += ldc;
            }
        }
        if (TDescend.Value && Sse.IsSupported)
            // The weights this tile steps, fetched under its multiply-adds: a group's stacked first layers
            // are MBs that stream from L3 or memory, and nothing else would ask for them before the step.
            for (var column = 0; column < TN.Value; column++)
            for (var row = 0; row < TM.Value; row++)
                Sse.Prefetch0(c + column * ldc + row * v);
        T* b0 = b,
            b1 = b0 + bj,
            b2 = b1 + bj,
            b3 = b2 + bj,
            b4 = b3 + bj,
            b5 = b4 + bj,
            b6 = b5 + bj,
            b7 = b6 + bj;
        nint k = 0;
        for (var kk = 0; kk < kc; kk++, a += lda, k += bk)
        {
            var a0 = LoadRow<TM, TMasked>(a, 0, lastRows);
            var a1 = TM.Value > 1 ? LoadRow<TM, TMasked>(a + v, 1, lastRows) : default;
            var a2 = TM.Value > 2 ? LoadRow<TM, TMasked>(a + 2 * v, 2, lastRows) : default;
            var a3 = TM.Value > 3 ? LoadRow<TM, TMasked>(a + 3 * v, 3, lastRows) : default;
            TV x;
            if (TN.Value > 0)
            {
                x = TOps.Broadcast(b0[k]);
                c00 = TOps.MultiplyAdd(a0, x, c00);
                if (TM.Value > 1)
                    c10 = TOps.MultiplyAdd(a1, x, c10);
                if (TM.Value > 2)
                    c20 = TOps.MultiplyAdd(a2, x, c20);
                if (TM.Value > 3)
                    c30 = TOps.MultiplyAdd(a3, x, c30);
            }
            if (TN.Value > 1)
            {
                x = TOps.Broadcast(b1[k]);
                c01 = TOps.MultiplyAdd(a0, x, c01);
                if (TM.Value > 1)
                    c11 = TOps.MultiplyAdd(a1, x, c11);
                if (TM.Value > 2)
                    c21 = TOps.MultiplyAdd(a2, x, c21);
                if (TM.Value > 3)
                    c31 = TOps.MultiplyAdd(a3, x, c31);
            }
            if (TN.Value > 2)
            {
                x = TOps.Broadcast(b2[k]);
                c02 = TOps.MultiplyAdd(a0, x, c02);
                if (TM.Value > 1)
                    c12 = TOps.MultiplyAdd(a1, x, c12);
                if (TM.Value > 2)
                    c22 = TOps.MultiplyAdd(a2, x, c22);
                if (TM.Value > 3)
                    c32 = TOps.MultiplyAdd(a3, x, c32);
            }
            if (TN.Value > 3)
            {
                x = TOps.Broadcast(b3[k]);
                c03 = TOps.MultiplyAdd(a0, x, c03);
                if (TM.Value > 1)
                    c13 = TOps.MultiplyAdd(a1, x, c13);
                if (TM.Value > 2)
                    c23 = TOps.MultiplyAdd(a2, x, c23);
                if (TM.Value > 3)
                    c33 = TOps.MultiplyAdd(a3, x, c33);
            }
            if (TN.Value > 4)
            {
                x = TOps.Broadcast(b4[k]);
                c04 = TOps.MultiplyAdd(a0, x, c04);
                if (TM.Value > 1)
                    c14 = TOps.MultiplyAdd(a1, x, c14);
                if (TM.Value > 2)
                    c24 = TOps.MultiplyAdd(a2, x, c24);
                if (TM.Value > 3)
                    c34 = TOps.MultiplyAdd(a3, x, c34);
            }
            if (TN.Value > 5)
            {
                x = TOps.Broadcast(b5[k]);
                c05 = TOps.MultiplyAdd(a0, x, c05);
                if (TM.Value > 1)
                    c15 = TOps.MultiplyAdd(a1, x, c15);
                if (TM.Value > 2)
                    c25 = TOps.MultiplyAdd(a2, x, c25);
                if (TM.Value > 3)
                    c35 = TOps.MultiplyAdd(a3, x, c35);
            }
            if (TN.Value > 6)
            {
                x = TOps.Broadcast(b6[k]);
                c06 = TOps.MultiplyAdd(a0, x, c06);
                if (TM.Value > 1)
                    c16 = TOps.MultiplyAdd(a1, x, c16);
                if (TM.Value > 2)
                    c26 = TOps.MultiplyAdd(a2, x, c26);
                if (TM.Value > 3)
                    c36 = TOps.MultiplyAdd(a3, x, c36);
            }
            if (TN.Value > 7)
            {
                x = TOps.Broadcast(b7[k]);
                c07 = TOps.MultiplyAdd(a0, x, c07);
                if (TM.Value > 1)
                    c17 = TOps.MultiplyAdd(a1, x, c17);
                if (TM.Value > 2)
                    c27 = TOps.MultiplyAdd(a2, x, c27);
                if (TM.Value > 3)
                    c37 = TOps.MultiplyAdd(a3, x, c37);
            }
        }
        if (TDescend.Value)
        {
            var d0 = LoadRow<TM, TMasked>(decay, 0, lastRows);
            var e0 = LoadRow<TM, TMasked>(eta, 0, lastRows);
            var d1 = TM.Value > 1 ? LoadRow<TM, TMasked>(decay + v, 1, lastRows) : default;
            var e1 = TM.Value > 1 ? LoadRow<TM, TMasked>(eta + v, 1, lastRows) : default;
            var d2 = TM.Value > 2 ? LoadRow<TM, TMasked>(decay + 2 * v, 2, lastRows) : default;
            var e2 = TM.Value > 2 ? LoadRow<TM, TMasked>(eta + 2 * v, 2, lastRows) : default;
            var d3 = TM.Value > 3 ? LoadRow<TM, TMasked>(decay + 3 * v, 3, lastRows) : default;
            var e3 = TM.Value > 3 ? LoadRow<TM, TMasked>(eta + 3 * v, 3, lastRows) : default;
            var w = c;
            if (TN.Value > 0)
            {
                DescendRow<TM, TMasked>(c00, w, 0, lastRows, d0, e0);
                if (TM.Value > 1)
                    DescendRow<TM, TMasked>(c10, w + v, 1, lastRows, d1, e1);
                if (TM.Value > 2)
                    DescendRow<TM, TMasked>(c20, w + 2 * v, 2, lastRows, d2, e2);
                if (TM.Value > 3)
                    DescendRow<TM, TMasked>(c30, w + 3 * v, 3, lastRows, d3, e3);
                w += ldc;
            }
            if (TN.Value > 1)
            {
                DescendRow<TM, TMasked>(c01, w, 0, lastRows, d0, e0);
                if (TM.Value > 1)
                    DescendRow<TM, TMasked>(c11, w + v, 1, lastRows, d1, e1);
                if (TM.Value > 2)
                    DescendRow<TM, TMasked>(c21, w + 2 * v, 2, lastRows, d2, e2);
                if (TM.Value > 3)
                    DescendRow<TM, TMasked>(c31, w + 3 * v, 3, lastRows, d3, e3);
                w += ldc;
            }
            if (TN.Value > 2)
            {
                DescendRow<TM, TMasked>(c02, w, 0, lastRows, d0, e0);
                if (TM.Value > 1)
                    DescendRow<TM, TMasked>(c12, w + v, 1, lastRows, d1, e1);
                if (TM.Value > 2)
                    DescendRow<TM, TMasked>(c22, w + 2 * v, 2, lastRows, d2, e2);
                if (TM.Value > 3)
                    DescendRow<TM, TMasked>(c32, w + 3 * v, 3, lastRows, d3, e3);
                w += ldc;
            }
            if (TN.Value > 3)
            {
                DescendRow<TM, TMasked>(c03, w, 0, lastRows, d0, e0);
                if (TM.Value > 1)
                    DescendRow<TM, TMasked>(c13, w + v, 1, lastRows, d1, e1);
                if (TM.Value > 2)
                    DescendRow<TM, TMasked>(c23, w + 2 * v, 2, lastRows, d2, e2);
                if (TM.Value > 3)
                    DescendRow<TM, TMasked>(c33, w + 3 * v, 3, lastRows, d3, e3);
                w += ldc;
            }
            if (TN.Value > 4)
            {
                DescendRow<TM, TMasked>(c04, w, 0, lastRows, d0, e0);
                if (TM.Value > 1)
                    DescendRow<TM, TMasked>(c14, w + v, 1, lastRows, d1, e1);
                if (TM.Value > 2)
                    DescendRow<TM, TMasked>(c24, w + 2 * v, 2, lastRows, d2, e2);
                if (TM.Value > 3)
                    DescendRow<TM, TMasked>(c34, w + 3 * v, 3, lastRows, d3, e3);
                w += ldc;
            }
            if (TN.Value > 5)
            {
                DescendRow<TM, TMasked>(c05, w, 0, lastRows, d0, e0);
                if (TM.Value > 1)
                    DescendRow<TM, TMasked>(c15, w + v, 1, lastRows, d1, e1);
                if (TM.Value > 2)
                    DescendRow<TM, TMasked>(c25, w + 2 * v, 2, lastRows, d2, e2);
                if (TM.Value > 3)
                    DescendRow<TM, TMasked>(c35, w + 3 * v, 3, lastRows, d3, e3);
                w += ldc;
            }
            if (TN.Value > 6)
            {
                DescendRow<TM, TMasked>(c06, w, 0, lastRows, d0, e0);
                if (TM.Value > 1)
                    DescendRow<TM, TMasked>(c16, w + v, 1, lastRows, d1, e1);
                if (TM.Value > 2)
                    DescendRow<TM, TMasked>(c26, w + 2 * v, 2, lastRows, d2, e2);
                if (TM.Value > 3)
                    DescendRow<TM, TMasked>(c36, w + 3 * v, 3, lastRows, d3, e3);
                w += ldc;
            }
            if (TN.Value > 7)
            {
                DescendRow<TM, TMasked>(c07, w, 0, lastRows, d0, e0);
                if (TM.Value > 1)
                    DescendRow<TM, TMasked>(c17, w + v, 1, lastRows, d1, e1);
                if (TM.Value > 2)
                    DescendRow<TM, TMasked>(c27, w + 2 * v, 2, lastRows, d2, e2);
                if (TM.Value > 3)
                    DescendRow<TM, TMasked>(c37, w + 3 * v, 3, lastRows, d3, e3);
                w += ldc;
            }
            return;
        }
        var q = c;
        if (TN.Value > 0)
        {
            StoreRow<TM, TMasked>(c00, q, 0, lastRows);
            if (TM.Value > 1)
                StoreRow<TM, TMasked>(c10, q + v, 1, lastRows);
            if (TM.Value > 2)
                StoreRow<TM, TMasked>(c20, q + 2 * v, 2, lastRows);
            if (TM.Value > 3)
                StoreRow<TM, TMasked>(c30, q + 3 * v, 3, lastRows);
            q += ldc;
        }
        if (TN.Value > 1)
        {
            StoreRow<TM, TMasked>(c01, q, 0, lastRows);
            if (TM.Value > 1)
                StoreRow<TM, TMasked>(c11, q + v, 1, lastRows);
            if (TM.Value > 2)
                StoreRow<TM, TMasked>(c21, q + 2 * v, 2, lastRows);
            if (TM.Value > 3)
                StoreRow<TM, TMasked>(c31, q + 3 * v, 3, lastRows);
            q += ldc;
        }
        if (TN.Value > 2)
        {
            StoreRow<TM, TMasked>(c02, q, 0, lastRows);
            if (TM.Value > 1)
                StoreRow<TM, TMasked>(c12, q + v, 1, lastRows);
            if (TM.Value > 2)
                StoreRow<TM, TMasked>(c22, q + 2 * v, 2, lastRows);
            if (TM.Value > 3)
                StoreRow<TM, TMasked>(c32, q + 3 * v, 3, lastRows);
            q += ldc;
        }
        if (TN.Value > 3)
        {
            StoreRow<TM, TMasked>(c03, q, 0, lastRows);
            if (TM.Value > 1)
                StoreRow<TM, TMasked>(c13, q + v, 1, lastRows);
            if (TM.Value > 2)
                StoreRow<TM, TMasked>(c23, q + 2 * v, 2, lastRows);
            if (TM.Value > 3)
                StoreRow<TM, TMasked>(c33, q + 3 * v, 3, lastRows);
            q += ldc;
        }
        if (TN.Value > 4)
        {
            StoreRow<TM, TMasked>(c04, q, 0, lastRows);
            if (TM.Value > 1)
                StoreRow<TM, TMasked>(c14, q + v, 1, lastRows);
            if (TM.Value > 2)
                StoreRow<TM, TMasked>(c24, q + 2 * v, 2, lastRows);
            if (TM.Value > 3)
                StoreRow<TM, TMasked>(c34, q + 3 * v, 3, lastRows);
            q += ldc;
        }
        if (TN.Value > 5)
        {
            StoreRow<TM, TMasked>(c05, q, 0, lastRows);
            if (TM.Value > 1)
                StoreRow<TM, TMasked>(c15, q + v, 1, lastRows);
            if (TM.Value > 2)
                StoreRow<TM, TMasked>(c25, q + 2 * v, 2, lastRows);
            if (TM.Value > 3)
                StoreRow<TM, TMasked>(c35, q + 3 * v, 3, lastRows);
            q += ldc;
        }
        if (TN.Value > 6)
        {
            StoreRow<TM, TMasked>(c06, q, 0, lastRows);
            if (TM.Value > 1)
                StoreRow<TM, TMasked>(c16, q + v, 1, lastRows);
            if (TM.Value > 2)
                StoreRow<TM, TMasked>(c26, q + 2 * v, 2, lastRows);
            if (TM.Value > 3)
                StoreRow<TM, TMasked>(c36, q + 3 * v, 3, lastRows);
            q += ldc;
        }
        if (TN.Value > 7)
        {
            StoreRow<TM, TMasked>(c07, q, 0, lastRows);
            if (TM.Value > 1)
                StoreRow<TM, TMasked>(c17, q + v, 1, lastRows);
            if (TM.Value > 2)
                StoreRow<TM, TMasked>(c27, q + 2 * v, 2, lastRows);
            if (TM.Value > 3)
                StoreRow<TM, TMasked>(c37, q + 3 * v, 3, lastRows);
            q += ldc;
        }
    }

    /// <summary>Vector <paramref name="row"/> of a tile's rows: masked when it is the last and the tile is.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV LoadRow<TM, TMasked>(T* p, int row, TV lastRows)
        where TM : IConstant
        where TMasked : IFlag => TMasked.Value && row == TM.Value - 1 ? TOps.LoadMasked(p, lastRows) : TOps.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TM, TMasked>(TV value, T* p, int row, TV lastRows)
        where TM : IConstant
        where TMasked : IFlag
    {
        if (TMasked.Value && row == TM.Value - 1)
            TOps.StoreMasked(value, p, lastRows);
        else
            TOps.Store(value, p);
    }

    /// <summary>The weights at <paramref name="p"/> stepped along the gradient in <paramref name="gradient"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DescendRow<TM, TMasked>(TV gradient, T* p, int row, TV lastRows, TV decay, TV eta)
        where TM : IConstant
        where TMasked : IFlag =>
        StoreRow<TM, TMasked>(
            TOps.Descend(LoadRow<TM, TMasked>(p, row, lastRows), gradient, decay, eta),
            p,
            row,
            lastRows
        );

    /// <summary>
    /// The transposed arrangement, for a few rows of C (<typeparamref name="TR"/>, 1 to 4) when B's
    /// rows are contiguous (bj = 1): 4 vectors of columns, rows as broadcasts of A. C's elements along
    /// a row are strided, so the tile goes through <paramref name="scratch"/> (4 x 4 vectors). Each
    /// element still takes c = fma(a[i,k], b[k,j], c) for k in order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RowsAlongColumns<TR>(
        int kc,
        T* a,
        nint lda,
        T* b,
        nint bk,
        T* c,
        nint ldc,
        bool load,
        T* scratch
    )
        where TR : IConstant
    {
        var v = TOps.Count;
        TV c00,
            c01,
            c02,
            c03,
            c10,
            c11,
            c12,
            c13,
            c20,
            c21,
            c22,
            c23,
            c30,
            c31,
            c32,
            c33;
        c00 = c01 = c02 = c03 = c10 = c11 = c12 = c13 = c20 = c21 = c22 = c23 = c30 = c31 = c32 = c33 = default;
        if (load)
        {
            for (var r = 0; r < TR.Value; r++)
            for (var j = 0; j < 4 * v; j++)
                scratch[r * 4 * v + j] = c[r + j * ldc];
            if (TR.Value > 0)
            {
                c00 = TOps.Load(scratch + 0 * v);
                c01 = TOps.Load(scratch + 1 * v);
                c02 = TOps.Load(scratch + 2 * v);
                c03 = TOps.Load(scratch + 3 * v);
            }
            if (TR.Value > 1)
            {
                c10 = TOps.Load(scratch + 4 * v);
                c11 = TOps.Load(scratch + 5 * v);
                c12 = TOps.Load(scratch + 6 * v);
                c13 = TOps.Load(scratch + 7 * v);
            }
            if (TR.Value > 2)
            {
                c20 = TOps.Load(scratch + 8 * v);
                c21 = TOps.Load(scratch + 9 * v);
                c22 = TOps.Load(scratch + 10 * v);
                c23 = TOps.Load(scratch + 11 * v);
            }
            if (TR.Value > 3)
            {
                c30 = TOps.Load(scratch + 12 * v);
                c31 = TOps.Load(scratch + 13 * v);
                c32 = TOps.Load(scratch + 14 * v);
                c33 = TOps.Load(scratch + 15 * v);
            }
        }
        nint k = 0;
        for (var kk = 0; kk < kc; kk++, a += lda, k += bk)
        {
            var b0 = TOps.Load(b + k);
            var b1 = TOps.Load(b + k + v);
            var b2 = TOps.Load(b + k + 2 * v);
            var b3 = TOps.Load(b + k + 3 * v);
            TV x;
            if (TR.Value > 0)
            {
                x = TOps.Broadcast(a[0]);
                c00 = TOps.MultiplyAdd(b0, x, c00);
                c01 = TOps.MultiplyAdd(b1, x, c01);
                c02 = TOps.MultiplyAdd(b2, x, c02);
                c03 = TOps.MultiplyAdd(b3, x, c03);
            }
            if (TR.Value > 1)
            {
                x = TOps.Broadcast(a[1]);
                c10 = TOps.MultiplyAdd(b0, x, c10);
                c11 = TOps.MultiplyAdd(b1, x, c11);
                c12 = TOps.MultiplyAdd(b2, x, c12);
                c13 = TOps.MultiplyAdd(b3, x, c13);
            }
            if (TR.Value > 2)
            {
                x = TOps.Broadcast(a[2]);
                c20 = TOps.MultiplyAdd(b0, x, c20);
                c21 = TOps.MultiplyAdd(b1, x, c21);
                c22 = TOps.MultiplyAdd(b2, x, c22);
                c23 = TOps.MultiplyAdd(b3, x, c23);
            }
            if (TR.Value > 3)
            {
                x = TOps.Broadcast(a[3]);
                c30 = TOps.MultiplyAdd(b0, x, c30);
                c31 = TOps.MultiplyAdd(b1, x, c31);
                c32 = TOps.MultiplyAdd(b2, x, c32);
                c33 = TOps.MultiplyAdd(b3, x, c33);
            }
        }
        if (TR.Value > 0)
        {
            TOps.Store(c00, scratch + 0 * v);
            TOps.Store(c01, scratch + 1 * v);
            TOps.Store(c02, scratch + 2 * v);
            TOps.Store(c03, scratch + 3 * v);
        }
        if (TR.Value > 1)
        {
            TOps.Store(c10, scratch + 4 * v);
            TOps.Store(c11, scratch + 5 * v);
            TOps.Store(c12, scratch + 6 * v);
            TOps.Store(c13, scratch + 7 * v);
        }
        if (TR.Value > 2)
        {
            TOps.Store(c20, scratch + 8 * v);
            TOps.Store(c21, scratch + 9 * v);
            TOps.Store(c22, scratch + 10 * v);
            TOps.Store(c23, scratch + 11 * v);
        }
        if (TR.Value > 3)
        {
            TOps.Store(c30, scratch + 12 * v);
            TOps.Store(c31, scratch + 13 * v);
            TOps.Store(c32, scratch + 14 * v);
            TOps.Store(c33, scratch + 15 * v);
        }
        for (var r = 0; r < TR.Value; r++)
        for (var j = 0; j < 4 * v; j++)
            c[r + j * ldc] = scratch[r * 4 * v + j];
    }
}
