using System.Runtime.InteropServices;

namespace Assignment3.Core.Benchmarks;

/// <summary>What a benchmark ran on: the processor's name as the OS reports it.</summary>
public static class CpuModel
{
    /// <summary>/proc/cpuinfo's "model name" on Linux, else the architecture.</summary>
    public static string Name()
    {
        const string cpuInfo = "/proc/cpuinfo";
        var line = File.Exists(cpuInfo)
            ? File.ReadLines(cpuInfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
            : null;
        return line?[(line.IndexOf(':') + 1)..].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
    }

    /// <summary>
    /// The FMA units as the two peaks show them: 512-bit operations at about twice the 256-bit rate
    /// mean full-width 512-bit units; at about the same rate, 512-bit operations split over 256-bit ones.
    /// </summary>
    public static string FmaUnits(double peak512, double peak256) =>
        peak512 / peak256 > 1.6
            ? "512-bit FMAs at twice the 256-bit rate: full-width 512-bit FMA units"
            : "512-bit FMAs at about the 256-bit rate: 512-bit operations split over 256-bit FMA units (double-pumped)";
}
