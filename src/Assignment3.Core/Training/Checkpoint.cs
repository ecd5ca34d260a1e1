using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Assignment3.Core.Network;

namespace Assignment3.Core.Training;

/// <summary>A checkpoint that cannot be used: damaged, foreign, or made for another run.</summary>
public sealed class CheckpointException(string message) : Exception(message);

/// <summary>
/// A training run's whole state at a step: every parameter and the batch-norm running statistics.
/// Nothing else is needed to continue, because everything else a run draws (initialization, the
/// order of every epoch, the training-evaluation subset) follows from its config and seeds. The blob:
/// "A3CK", format version, the config's fingerprint, the step, each layer's tensors (float32), and a
/// SHA-256 of all of it; a damaged, foreign or other run's checkpoint is refused with what is wrong.
/// </summary>
public sealed class Checkpoint
{
    private static ReadOnlySpan<byte> Magic => "A3CK"u8;
    private const ushort FormatVersion = 1;
    private const int HashSize = 32;

    private Checkpoint(int step, byte[] bytes)
    {
        Step = step;
        Bytes = bytes;
    }

    /// <summary>Update steps taken when the checkpoint was made.</summary>
    public int Step { get; }

    /// <summary>The blob, as stored and sent.</summary>
    public byte[] Bytes { get; }

    /// <summary>The state of <paramref name="network"/> after <paramref name="step"/> steps of the run <paramref name="config"/>.</summary>
    public static Checkpoint Of(TrainingConfig config, Network<float> network, int step)
    {
        // Written straight into one array of the exact size: a growing stream would leave several
        // large-object-heap arrays per checkpoint behind (a sweep checkpoints every few seconds).
        const int header = 4 + 2 + 16 + 4 + 4,
            perLayer = 4 + 4 + 1;
        var size =
            header + network.Layers.Sum(l => perLayer + Tensors(l).Sum(t => t.Length * sizeof(float))) + HashSize;
        var bytes = new byte[size];
        using (var writer = new BinaryWriter(new MemoryStream(bytes), Encoding.UTF8))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(Fingerprint(config));
            writer.Write(step);
            writer.Write(network.Layers.Length);
            foreach (var layer in network.Layers)
            {
                writer.Write(layer.Width);
                writer.Write(layer.FanIn);
                writer.Write(layer.BatchNorm);
                foreach (var tensor in Tensors(layer))
                    writer.Write(MemoryMarshal.AsBytes(tensor.AsSpan()));
            }
            if (writer.BaseStream.Position != size - HashSize)
                throw new InvalidOperationException("checkpoint size miscounted");
        }
        SHA256.HashData(bytes.AsSpan(0, size - HashSize), bytes.AsSpan(size - HashSize));
        return new Checkpoint(step, bytes);
    }

    /// <summary>Reads a blob, checking that it is whole, ours and made for <paramref name="config"/>; returns the checkpoint.</summary>
    public static Checkpoint Read(byte[] bytes, TrainingConfig config, string source)
    {
        if (bytes.Length < Magic.Length + 2 + 16 + 8 + HashSize || !bytes.AsSpan(0, 4).SequenceEqual(Magic))
            throw new CheckpointException($"{source}: not an a3 checkpoint");
        var body = bytes.AsSpan(0, bytes.Length - HashSize);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - HashSize)))
            throw new CheckpointException($"{source}: the checkpoint is damaged (it does not match its checksum)");
        var version = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4));
        if (version != FormatVersion)
            throw new CheckpointException(
                $"{source}: checkpoint format {version}, this a3 reads format {FormatVersion}"
            );
        if (!bytes.AsSpan(6, 16).SequenceEqual(Fingerprint(config)))
            throw new CheckpointException($"{source}: the checkpoint was made for another run (its config differs)");
        return new Checkpoint(BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(22)), bytes);
    }

    /// <summary>Puts the checkpoint's parameters and running statistics into <paramref name="network"/> (built from the same config).</summary>
    public void RestoreInto(Network<float> network)
    {
        using var reader = new BinaryReader(new MemoryStream(Bytes, 26, Bytes.Length - 26 - HashSize));
        if (reader.ReadInt32() != network.Layers.Length)
            throw new CheckpointException("the checkpoint's network has another number of layers");
        foreach (var layer in network.Layers)
        {
            if (
                reader.ReadInt32() != layer.Width
                || reader.ReadInt32() != layer.FanIn
                || reader.ReadBoolean() != layer.BatchNorm
            )
                throw new CheckpointException("the checkpoint's network has other layers");
            foreach (var tensor in Tensors(layer))
                if (reader.Read(MemoryMarshal.AsBytes(tensor.AsSpan())) != tensor.Length * sizeof(float))
                    throw new CheckpointException("the checkpoint ends early");
        }
        network.HasRunningStatistics = Step > 0;
    }

    private static IEnumerable<float[]> Tensors(Layer<float> layer) =>
        layer.BatchNorm
            ? [layer.W.Data, layer.B, layer.Gamma!, layer.Beta!, layer.RunningMean!, layer.RunningVariance!]
            : [layer.W.Data, layer.B];

    /// <summary>16 bytes of SHA-256 over everything the run depends on besides the data.</summary>
    private static byte[] Fingerprint(TrainingConfig c) =>
        SHA256.HashData(
            Encoding.UTF8.GetBytes(
                $"{string.Join(",", c.Hidden)}|{c.BatchNorm}|{c.Init}|{c.BatchNormAlpha:R}|{c.Lambda:R}|{c.BatchSize}|{c.EtaMin:R}|{c.EtaMax:R}|"
                    + $"{c.StepSize}|{c.PointsPerCycle}|{c.Seed}|{c.TrainEvalSubset}"
                    + (c.DataOrderSeed is { } order ? $"|order {order}" : "")
            )
        )[..16];
}
