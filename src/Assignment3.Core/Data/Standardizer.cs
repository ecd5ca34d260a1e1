using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Assignment3.Core.Data;

/// <summary>
/// Per-dimension standardization of raw pixel bytes: x = (b / 255 - mean) / std, with mean and std of
/// the scaled training images only, applied unchanged to validation and test. Computed as one fused
/// multiply-add per value, x = b * scale + offset with scale = 1 / (255 std) and offset = -mean / std
/// (float32), when images are read (gathered into a batch, copied for evaluation): the data stays in
/// bytes. The values differ from the three roundings of (b / 255 - mean) / std by at most an ulp or two.
/// </summary>
public sealed class Standardizer
{
    private Standardizer(float[] scale, float[] offset)
    {
        Scale = scale;
        Offset = offset;
    }

    public float[] Scale { get; }
    public float[] Offset { get; }
    public int Dimensions => Scale.Length;

    /// <summary>Fits on <paramref name="count"/> images of <paramref name="dimensions"/> bytes each, one after another.</summary>
    public static Standardizer Fit(ReadOnlySpan<byte> pixels, int dimensions, int count)
    {
        var sum = new double[dimensions];
        var sumOfSquares = new double[dimensions];
        for (var j = 0; j < count; j++)
        {
            var image = pixels.Slice(j * dimensions, dimensions);
            for (var i = 0; i < dimensions; i++)
            {
                var v = image[i] / 255.0;
                sum[i] += v;
                sumOfSquares[i] += v * v;
            }
        }
        var scale = new float[dimensions];
        var offset = new float[dimensions];
        for (var i = 0; i < dimensions; i++)
        {
            var mean = sum[i] / count;
            var variance = Math.Max(0, sumOfSquares[i] / count - mean * mean);
            // A constant dimension carries no information; dividing by 1 leaves it at 0.
            var std = variance > 1e-12 ? Math.Sqrt(variance) : 1.0;
            scale[i] = (float)(1 / (255 * std));
            offset[i] = (float)(-mean / std);
        }
        return new Standardizer(scale, offset);
    }

    /// <summary>
    /// One image's bytes, standardized into <paramref name="values"/> (both of length Dimensions):
    /// 16 or 32 bytes at a time widened to floats and put through one fused multiply-add each. Every
    /// value is the same single rounding of b * scale + offset whatever the vector width.
    /// </summary>
    public void Apply(ReadOnlySpan<byte> image, Span<float> values)
    {
        ref var b = ref MemoryMarshal.GetReference(image);
        ref var x = ref MemoryMarshal.GetReference(values);
        ref var scale = ref MemoryMarshal.GetArrayDataReference(Scale);
        ref var offset = ref MemoryMarshal.GetArrayDataReference(Offset);
        var i = 0;
        if (Avx512F.IsSupported)
            for (; i + 16 <= values.Length; i += 16)
            {
                var widened = Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref b, (nuint)i));
                Vector512
                    .FusedMultiplyAdd(
                        Avx512F.ConvertToVector512Single(widened),
                        Vector512.LoadUnsafe(ref scale, (nuint)i),
                        Vector512.LoadUnsafe(ref offset, (nuint)i)
                    )
                    .StoreUnsafe(ref x, (nuint)i);
            }
        else if (Vector256.IsHardwareAccelerated)
            for (; i + 32 <= values.Length; i += 32)
            {
                var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref b, (nuint)i));
                var (q0, q1) = Vector256.Widen(low);
                var (q2, q3) = Vector256.Widen(high);
                Standardize(q0, ref scale, ref offset, ref x, i);
                Standardize(q1, ref scale, ref offset, ref x, i + 8);
                Standardize(q2, ref scale, ref offset, ref x, i + 16);
                Standardize(q3, ref scale, ref offset, ref x, i + 24);
            }
        for (; i < values.Length; i++)
            values[i] = MathF.FusedMultiplyAdd(image[i], Scale[i], Offset[i]);
    }

    private static void Standardize(Vector256<uint> bytes, ref float scale, ref float offset, ref float x, int at) =>
        Vector256
            .FusedMultiplyAdd(
                Vector256.ConvertToSingle(bytes),
                Vector256.LoadUnsafe(ref scale, (nuint)at),
                Vector256.LoadUnsafe(ref offset, (nuint)at)
            )
            .StoreUnsafe(ref x, (nuint)at);
}
