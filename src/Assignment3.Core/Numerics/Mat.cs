using System.Numerics;

namespace Assignment3.Core.Numerics;

/// <summary>
/// Dense column-major matrix: element (i, j) is <c>Data[i + j * Rows]</c>. Activations are
/// stored one sample per column, so a mini-batch of n samples of dimension d is d x n and
/// each sample is contiguous. The storage is a plain array so any BLAS GEMM can work on it
/// in place.
/// </summary>
public sealed class Mat<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public Mat(int rows, int cols)
        : this(rows, cols, new T[checked(rows * cols)]) { }

    public Mat(int rows, int cols, T[] data)
    {
        if (rows < 0 || cols < 0)
            throw new ArgumentOutOfRangeException(nameof(rows), "dimensions must be non-negative");
        if (data.Length != rows * cols)
            throw new ArgumentException(
                $"data has {data.Length} elements, a {rows}x{cols} matrix needs {rows * cols}",
                nameof(data)
            );
        Rows = rows;
        Cols = cols;
        Data = data;
    }

    public int Rows { get; }
    public int Cols { get; }
    public T[] Data { get; }

    public T this[int row, int col]
    {
        get => Data[row + col * Rows];
        set => Data[row + col * Rows] = value;
    }

    public Span<T> Column(int col) => Data.AsSpan(col * Rows, Rows);

    public override string ToString() => $"Mat<{typeof(T).Name}>({Rows}x{Cols})";
}
