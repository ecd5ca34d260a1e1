using System.Numerics;

namespace Assignment3.Core.Network;

public enum ParameterKind
{
    W,
    b,
    gamma,
    beta,
}

/// <summary>One parameter tensor of one layer (1-based, as in the report) and its gradient buffer.</summary>
public sealed record Parameter<T>(int Layer, ParameterKind Kind, T[] Value, T[] Gradient)
    where T : unmanaged, IFloatingPointIeee754<T>;
