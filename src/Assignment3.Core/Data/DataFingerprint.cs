using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Assignment3.Core.Data;

/// <summary>
/// A short hash of the loaded splits (pixels, labels, and the standardization they are read with):
/// nodes of one sweep must train on the same data, whichever path or archive each one read it from.
/// </summary>
public static class DataFingerprint
{
    public static string Of(DataSplits data)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var set in new[] { data.Train, data.Validation, data.Test })
        {
            hash.AppendData(BitConverter.GetBytes(set.Count));
            hash.AppendData(set.Pixels);
            hash.AppendData(set.Labels);
            hash.AppendData(MemoryMarshal.AsBytes(set.Standardizer.Scale.AsSpan()));
            hash.AppendData(MemoryMarshal.AsBytes(set.Standardizer.Offset.AsSpan()));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }
}
