namespace Assignment3.Core.Numerics;

/// <summary>Chooses the GEMM backend for this process.</summary>
public static class GemmBackends
{
    public static IGemm Select() => ManagedGemm.Instance;
}
