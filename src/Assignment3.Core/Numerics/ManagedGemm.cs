using System.Numerics;
using MathNet.Numerics.Providers.LinearAlgebra;

namespace Assignment3.Core.Numerics;

/// <summary>GEMM through MathNet.Numerics' managed linear-algebra provider (no native code).</summary>
public sealed class ManagedGemm : IGemm
{
    public static readonly ManagedGemm Instance = new();

    public string Name => "managed (MathNet.Numerics)";

    public void Gemm<T>(bool transposeA, bool transposeB, T alpha, Mat<T> a, Mat<T> b, T beta, Mat<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        GemmShapes.Check(transposeA, transposeB, a, b, c);
        var provider = (ILinearAlgebraProvider<T>)LinearAlgebraControl.Provider;
        provider.MatrixMultiplyWithUpdate(
            transposeA ? Transpose.Transpose : Transpose.DontTranspose,
            transposeB ? Transpose.Transpose : Transpose.DontTranspose,
            alpha, a.Data, a.Rows, a.Cols, b.Data, b.Rows, b.Cols, beta, c.Data);
    }
}
