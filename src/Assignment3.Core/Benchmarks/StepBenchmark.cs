using System.Diagnostics;
using Assignment3.Core.Data;
using Assignment3.Core.Network;
using Assignment3.Core.Numerics;
using Assignment3.Core.Training;

namespace Assignment3.Core.Benchmarks;

/// <summary>
/// Measures the cost of one update step against the GEMM backend's own rate on the same shapes.
/// The GEMMs of a step, for each layer with width m, fan-in d and batch B: forward W X (m x d by
/// d x B), backward dW = G X^T (m x B by B x d) and, above the first layer, dX = W^T G (d x m by m x B).
/// </summary>
public static class StepBenchmark
{
    public static double FlopsPerStep(NetworkSpec spec, int batch)
    {
        double flops = 0;
        for (var l = 0; l < spec.LayerCount; l++)
            flops += 2.0 * spec.Width(l) * spec.FanIn(l) * batch * (l == 0 ? 2 : 3);
        return flops;
    }

    /// <summary>Median wall time (ms) of gather + forward + backward + update over <paramref name="steps"/> steps.</summary>
    public static double MedianStepMillis(NetworkSpec spec, Dataset train, int batch, IGemm gemm, int steps, int seed = 1)
    {
        var network = new Network<float>(spec, seed, gemm);
        var ws = network.CreateWorkspace(batch);
        var x = new Mat<float>(spec.InputSize, batch);
        var labels = new byte[batch];
        var order = Enumerable.Range(0, train.Count).ToArray();
        Batches.Shuffle(order, new Random(seed));
        var batchesPerEpoch = train.Count / batch;
        var timings = new double[steps];
        for (var s = -steps / 5; s < steps; s++) // the first fifth warms up caches and the JIT
        {
            var start = Stopwatch.GetTimestamp();
            Batches.Gather(train, order.AsSpan((Math.Abs(s) % batchesPerEpoch) * batch, batch), x, labels);
            Trainer.Step(network, ws, x, labels, 0.005f, 0.01f);
            if (s >= 0) timings[s] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return Median(timings);
    }

    /// <summary>The backend's GFLOP/s on exactly the GEMM calls of one step (median over repetitions).</summary>
    public static double GemmLimitGflops(NetworkSpec spec, int batch, IGemm gemm, int repetitions)
    {
        var random = new Random(7);
        Mat<float> Random(int rows, int cols)
        {
            var m = new Mat<float>(rows, cols);
            for (var i = 0; i < m.Data.Length; i++) m.Data[i] = (float)(random.NextDouble() - 0.5);
            return m;
        }
        var layers = Enumerable.Range(0, spec.LayerCount).Select(l =>
        {
            var (m, d) = (spec.Width(l), spec.FanIn(l));
            return (W: Random(m, d), X: Random(d, batch), S: Random(m, batch), G: Random(m, batch), GW: Random(m, d), GX: Random(d, batch));
        }).ToArray();
        var timings = new double[repetitions];
        for (var r = -repetitions / 5; r < repetitions; r++)
        {
            var start = Stopwatch.GetTimestamp();
            for (var l = 0; l < layers.Length; l++)
            {
                var layer = layers[l];
                gemm.Gemm(false, false, 1f, layer.W, layer.X, 0f, layer.S);
                gemm.Gemm(false, true, 1f, layer.G, layer.X, 1f, layer.GW);
                if (l > 0) gemm.Gemm(true, false, 1f, layer.W, layer.G, 0f, layer.GX);
            }
            if (r >= 0) timings[r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return FlopsPerStep(spec, batch) / (Median(timings) * 1e6);
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
