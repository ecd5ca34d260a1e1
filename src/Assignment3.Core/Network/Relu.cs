using System.Numerics;

namespace Assignment3.Core.Network;

/// <summary>ReLU, applied in place. Shapes: H m x n (any shape works, it is element-wise).</summary>
public static class Relu
{
    /// <summary>H = max(H, 0) (negative zero and NaN become zero).</summary>
    public static void Forward<T>(Span<T> h)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var hv = System.Runtime.InteropServices.MemoryMarshal.Cast<T, Vector<T>>(h);
            for (var v = 0; v < hv.Length; v++)
                hv[v] = Vector.ConditionalSelect(Vector.GreaterThan(hv[v], Vector<T>.Zero), hv[v], Vector<T>.Zero);
            i = hv.Length * Vector<T>.Count;
        }
        for (; i < h.Length; i++)
            if (!(h[i] > T.Zero))
                h[i] = T.Zero;
    }

    /// <summary>G = G where H > 0, else 0 (H is the forward output).</summary>
    public static void Backward<T>(ReadOnlySpan<T> h, Span<T> g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var hv = System.Runtime.InteropServices.MemoryMarshal.Cast<T, Vector<T>>(h);
            var gv = System.Runtime.InteropServices.MemoryMarshal.Cast<T, Vector<T>>(g);
            for (var v = 0; v < hv.Length; v++)
                gv[v] = Vector.ConditionalSelect(Vector.GreaterThan(hv[v], Vector<T>.Zero), gv[v], Vector<T>.Zero);
            i = hv.Length * Vector<T>.Count;
        }
        for (; i < g.Length; i++)
            if (!(h[i] > T.Zero))
                g[i] = T.Zero;
    }
}
