using System.Buffers.Binary;

namespace Assignment3.Storage;

/// <summary>
/// Checks a SQLite write-ahead log the way SQLite reads it (file format, section 4), but says what
/// is wrong instead of silently using the frames before the first bad one: SQLite treats a torn or
/// damaged frame as the end of the log, so events after it would vanish without a word.
/// </summary>
public static class WalCheck
{
    public const int HeaderSize = 32;
    private const int FrameHeaderSize = 24;

    /// <summary>
    /// The log's header (empty when there is no log or it is shorter): SQLite writes a new one, with new
    /// salts, each time it restarts the log after a checkpoint.
    /// </summary>
    public static ReadOnlySpan<byte> Header(byte[]? wal) =>
        wal is { Length: >= HeaderSize } ? wal.AsSpan(0, HeaderSize) : [];

    /// <summary>
    /// Null when the log is sound (or empty); otherwise what is wrong with it. A partial frame at the
    /// end is not a problem: it is a write that never finished (a crash, a full disk), whose
    /// transaction never committed, and SQLite ignores it; <see cref="UnfinishedTail"/> measures it.
    /// </summary>
    public static string? Problem(ReadOnlySpan<byte> wal)
    {
        if (wal.Length == 0)
            return null;
        if (wal.Length < HeaderSize)
            return $"it is {wal.Length} bytes, shorter than a log header ({HeaderSize}): truncated";
        var magic = BinaryPrimitives.ReadUInt32BigEndian(wal);
        if (magic is not (0x377f0682 or 0x377f0683))
            return "it does not start with a SQLite write-ahead log header";
        var bigEndian = (magic & 1) == 1;
        var pageSize = (int)BinaryPrimitives.ReadUInt32BigEndian(wal[8..]);
        if (pageSize is < 512 or > 65536 || (pageSize & (pageSize - 1)) != 0)
            return $"its header gives an impossible page size {pageSize}";
        var (salt1, salt2) = (
            BinaryPrimitives.ReadUInt32BigEndian(wal[16..]),
            BinaryPrimitives.ReadUInt32BigEndian(wal[20..])
        );
        uint s0 = 0,
            s1 = 0;
        Checksum(wal[..24], bigEndian, ref s0, ref s1);
        if (
            s0 != BinaryPrimitives.ReadUInt32BigEndian(wal[24..])
            || s1 != BinaryPrimitives.ReadUInt32BigEndian(wal[28..])
        )
            return "its header fails its checksum (damaged)";

        var frameSize = FrameHeaderSize + pageSize;
        var frames = (wal.Length - HeaderSize) / frameSize;
        int? firstBad = null;
        for (var i = 0; i < frames; i++)
        {
            var frame = wal.Slice(HeaderSize + i * frameSize, frameSize);
            var sameLog =
                BinaryPrimitives.ReadUInt32BigEndian(frame[8..]) == salt1
                && BinaryPrimitives.ReadUInt32BigEndian(frame[12..]) == salt2;
            if (firstBad is null)
            {
                if (!sameLog)
                {
                    firstBad = i;
                    continue;
                } // stale frames of an earlier log, or a damaged salt: decided below
                Checksum(frame[..8], bigEndian, ref s0, ref s1);
                Checksum(frame[FrameHeaderSize..], bigEndian, ref s0, ref s1);
                if (
                    s0 != BinaryPrimitives.ReadUInt32BigEndian(frame[16..])
                    || s1 != BinaryPrimitives.ReadUInt32BigEndian(frame[20..])
                )
                    return $"frame {i + 1} of {frames} fails its checksum (damaged at "
                        + $"byte {HeaderSize + i * frameSize:N0}); SQLite would drop it and every frame after it";
            }
            else if (sameLog)
                // Frames of an earlier log never come before frames of the current one: this one was damaged.
                return $"frame {firstBad + 1} of {frames} does not belong to the log "
                    + $"but frames after it do (damaged at byte {HeaderSize + firstBad * frameSize:N0})";
        }
        return null;
    }

    /// <summary>Bytes of a partial frame at the end of the log (0 when it ends on a whole frame).</summary>
    public static int UnfinishedTail(ReadOnlySpan<byte> wal) =>
        wal.Length < HeaderSize
            ? 0
            : (wal.Length - HeaderSize) % (FrameHeaderSize + (int)BinaryPrimitives.ReadUInt32BigEndian(wal[8..]));

    private static void Checksum(ReadOnlySpan<byte> data, bool bigEndian, ref uint s0, ref uint s1)
    {
        for (var i = 0; i + 8 <= data.Length; i += 8)
        {
            var (x0, x1) = bigEndian
                ? (
                    BinaryPrimitives.ReadUInt32BigEndian(data[i..]),
                    BinaryPrimitives.ReadUInt32BigEndian(data[(i + 4)..])
                )
                : (
                    BinaryPrimitives.ReadUInt32LittleEndian(data[i..]),
                    BinaryPrimitives.ReadUInt32LittleEndian(data[(i + 4)..])
                );
            unchecked
            {
                s0 += x0 + s1;
                s1 += x1 + s0;
            }
        }
    }
}
