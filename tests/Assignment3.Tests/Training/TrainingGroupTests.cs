using Assignment3.Core.Data;
using Assignment3.Core.Network;
using Assignment3.Core.Numerics;
using Assignment3.Core.Randomness;
using Assignment3.Core.Training;
using Assignment3.Tests.Numerics;

namespace Assignment3.Tests.Training;

/// <summary>
/// Runs trained together in a <see cref="TrainingGroup"/> must give every number they give alone: the
/// same curves and the same parameters, bit for bit, whatever the group's size and mix, whoever
/// leaves it on the way, on every instruction set and tiling.
/// </summary>
public class TrainingGroupTests
{
    // More inputs than a column block of the kernels (512), so the stepped gradient is cut in blocks.
    private static readonly Lazy<DataSplits> Data = new(() =>
        TrainingData.Clusters(dimensions: 600, train: 240, validation: 60, test: 40)
    );

    private static readonly TrainingConfig Base = new()
    {
        BatchSize = 20,
        StepSize = 12,
        Cycles = 2,
        PointsPerCycle = 3,
        EtaMin = 1e-4,
        EtaMax = 0.05,
        TrainEvalSubset = 50,
        Seed = 1,
        DataOrderSeed = 7,
    };

    /// <summary>Eight runs that differ in all a group may mix: widths (so the stack's rows straddle vectors), batch norm, lambda, eta, cycles, seeds.</summary>
    private static readonly TrainingConfig[] Mixed =
    [
        Base with
        {
            Hidden = [50, 20],
            BatchNorm = true,
            Lambda = 0.005,
        },
        Base with
        {
            Hidden = [7],
            BatchNorm = false,
            Lambda = 0.01,
            Seed = 2,
        },
        Base with
        {
            Hidden = [33, 10, 5],
            BatchNorm = true,
            Lambda = 0.001,
            EtaMax = 0.1,
            Seed = 3,
        },
        Base with
        {
            Hidden = [16, 16],
            BatchNorm = false,
            Lambda = 0,
            Cycles = 1,
            Seed = 4,
        },
        Base with
        {
            Hidden = [50, 50],
            BatchNorm = true,
            Lambda = 0.02,
            Seed = 5,
            BatchNormAlpha = 0.7,
        },
        Base with
        {
            Hidden = [1],
            BatchNorm = true,
            Lambda = 0.005,
            Seed = 6,
        },
        Base with
        {
            Hidden = [64],
            BatchNorm = false,
            Lambda = 0.003,
            EtaMin = 1e-3,
            Seed = 8,
        },
        Base with
        {
            Hidden = [25, 12],
            BatchNorm = true,
            Lambda = 0.004,
            StepSize = 6,
            Cycles = 4,
            Seed = 9,
        },
    ];

    public static TheoryData<int> GroupSizes => [1, 2, 3, 4, 5, 6, 7, 8];

    [Theory]
    [MemberData(nameof(GroupSizes))]
    public void Every_run_of_a_group_gives_its_curves_and_parameters_alone_bit_for_bit(int size)
    {
        var gemm = TestGemmBackends.Default;
        var configs = Mixed.Take(size).ToArray();
        var alone = configs.Select(c => Alone(c, gemm)).ToArray();

        var runs = configs.Select(c => TrainingRun.Start(c, Data.Value, gemm)).ToArray();
        var segments = TrainingGroup.Advance(runs.Select(r => new GroupMember(r, r.Config.TotalSteps)).ToArray());

        for (var k = 0; k < size; k++)
        {
            Assert.Equal(TrainingStatus.Completed, segments[k].Status);
            Assert.Equal(alone[k].Curve, segments[k].Points);
            Assert.Equal(alone[k].Checkpoint, runs[k].Checkpoint().Bytes);
        }
    }

    [Fact]
    public void A_run_alone_takes_the_steps_the_networks_plain_passes_take()
    {
        // The trainer's fused step (the first layer's gradient stepped block by block) against
        // Network.Forward, Backward, UpdateRunningStatistics and Step, on the same mini-batches.
        foreach (var config in Mixed.Take(3))
        {
            var run = TrainingRun.Start(config, Data.Value, TestGemmBackends.Default);
            run.Advance(30);

            var network = new Network<float>(
                config.NetworkSpec(600, Cifar10Format.Classes),
                config.Seed,
                TestGemmBackends.Default
            );
            var ws = network.CreateWorkspace(config.BatchSize);
            var (x, labels) = (new Mat<float>(600, config.BatchSize), new byte[config.BatchSize]);
            var train = Data.Value.Train;
            var perEpoch = train.Count / config.BatchSize;
            var order = new int[train.Count];
            for (var step = 0; step < 30; step++)
            {
                if (step % perEpoch == 0)
                {
                    for (var i = 0; i < order.Length; i++)
                        order[i] = i;
                    Batches.Shuffle(
                        order,
                        new Xoshiro256StarStar((ulong)TrainingRun.DeriveSeed(config.OrderSeed, 3 + step / perEpoch))
                    );
                }
                train.Gather(order.AsSpan(step % perEpoch * config.BatchSize, config.BatchSize), x, labels);
                TrainingRun.UpdateStep(network, ws, x, labels, (float)config.Lambda, (float)config.Schedule.At(step));
            }

            Assert.Equal(Checkpoint.Of(config, network, 30).Bytes, run.Checkpoint().Bytes);
        }
    }

    [Fact]
    public void Runs_that_leave_early_diverge_or_are_cancelled_leave_the_others_as_they_are_alone()
    {
        var gemm = TestGemmBackends.Default;
        using var cancel = new CancellationTokenSource();
        var diverging = Base with
        {
            Hidden = [12],
            BatchNorm = false,
            EtaMin = 1e5,
            EtaMax = 1e6,
            Init = Initialization.FixedSigma(10),
            Seed = 11,
        };
        var cancelled = Base with { Hidden = [40], Seed = 12 };
        var configs = new[] { Mixed[0], diverging, Mixed[2], cancelled, Mixed[7] };
        var runs = configs.Select(c => TrainingRun.Start(c, Data.Value, gemm)).ToArray();
        var members = new[]
        {
            new GroupMember(runs[0], runs[0].Config.TotalSteps),
            new GroupMember(runs[1], runs[1].Config.TotalSteps),
            new GroupMember(runs[2], 20), // pauses at step 20 (a rung)
            new GroupMember(
                runs[3],
                runs[3].Config.TotalSteps,
                p =>
                {
                    if (p.Step == 16)
                        cancel.Cancel();
                },
                cancel.Token
            ),
            new GroupMember(runs[4], runs[4].Config.TotalSteps),
        };

        var segments = TrainingGroup.Advance(members);

        Assert.Equal(
            [
                TrainingStatus.Completed,
                TrainingStatus.Diverged,
                TrainingStatus.Completed,
                TrainingStatus.Cancelled,
                TrainingStatus.Completed,
            ],
            segments.Select(s => s.Status)
        );
        var divergedAlone = TrainingRun.Start(diverging, Data.Value, gemm);
        var divergedSegment = divergedAlone.Advance(diverging.TotalSteps);
        Assert.Equal(divergedSegment.Step, segments[1].Step);
        Assert.Equal(divergedSegment.DivergedCost, segments[1].DivergedCost);
        Assert.Equal(divergedAlone.Checkpoint().Bytes, runs[1].Checkpoint().Bytes);
        Assert.Equal(16, segments[3].Step); // cancelled while reporting step 16: it takes no further step
        Assert.Equal(Alone(cancelled, gemm, toStep: 16).Checkpoint, runs[3].Checkpoint().Bytes);
        Assert.Equal(Alone(Mixed[2], gemm, toStep: 20).Checkpoint, runs[2].Checkpoint().Bytes);
        foreach (var k in new[] { 0, 4 })
            Assert.Equal(Alone(configs[k], gemm).Checkpoint, runs[k].Checkpoint().Bytes);

        // The paused run goes on from its checkpoint in a new group, with a fresh run beside it, as it would alone.
        var resumed = TrainingRun.Resume(
            Mixed[2],
            Data.Value,
            gemm,
            Checkpoint.Read(runs[2].Checkpoint().Bytes, Mixed[2], "test")
        );
        var late = TrainingRun.Resume(Mixed[5], Data.Value, gemm, Alone(Mixed[5], gemm, toStep: 20).Restored(Mixed[5]));
        var goingOn = TrainingGroup.Advance([
            new GroupMember(resumed, Mixed[2].TotalSteps),
            new GroupMember(late, Mixed[5].TotalSteps),
        ]);
        Assert.Equal(Alone(Mixed[2], gemm).Checkpoint, resumed.Checkpoint().Bytes);
        Assert.Equal(Alone(Mixed[5], gemm).Checkpoint, late.Checkpoint().Bytes);
        Assert.Equal(Alone(Mixed[5], gemm).Curve.Where(p => p.Step > 20), goingOn[1].Points);
    }

    [Fact]
    public void Runs_that_cannot_share_mini_batches_are_refused_by_name()
    {
        var gemm = TestGemmBackends.Default;
        TrainingRun Run(TrainingConfig c) => TrainingRun.Start(c, Data.Value, gemm);
        var first = Run(Mixed[0]);

        Assert.Contains(
            "batch sizes 20 and 10",
            Assert
                .Throws<ArgumentException>(() => new TrainingGroup([first, Run(Mixed[1] with { BatchSize = 10 })]))
                .Message
        );
        Assert.Contains(
            "mini-batch orders from seeds 7 and 3",
            Assert
                .Throws<ArgumentException>(() => new TrainingGroup([first, Run(Mixed[1] with { DataOrderSeed = 3 })]))
                .Message
        );
        Assert.Contains(
            "different data",
            Assert
                .Throws<ArgumentException>(() =>
                    new TrainingGroup([
                        first,
                        TrainingRun.Start(Mixed[1], TrainingData.Clusters(dimensions: 600, train: 240), gemm),
                    ])
                )
                .Message
        );
        var ahead = Run(Mixed[1]);
        ahead.Advance(3);
        Assert.Contains(
            "steps 0 and 3",
            Assert.Throws<ArgumentException>(() => new TrainingGroup([first, ahead])).Message
        );
    }

    [Fact]
    public void A_group_trains_the_same_numbers_on_every_instruction_set_and_tiling()
    {
        var backends = Enum.GetValues<SimdIsa>()
            .Where(SimdGemm.IsSupported)
            .SelectMany(isa =>
                new GemmTiling?[] { null, GemmTiling.OnePass, GemmTiling.MainThenRemainder }.Select(t => new SimdGemm(
                    isa,
                    t
                ))
            )
            .ToArray();
        var configs = Mixed.Take(6).Select(c => c with { Cycles = 1 }).ToArray();
        var expected = configs.Select(c => Alone(c, TestGemmBackends.Default).Checkpoint).ToArray();

        foreach (var gemm in backends)
        {
            var runs = configs.Select(c => TrainingRun.Start(c, Data.Value, gemm)).ToArray();
            TrainingGroup.Advance(runs.Select(r => new GroupMember(r, r.Config.TotalSteps)).ToArray());
            for (var k = 0; k < runs.Length; k++)
                Assert.True(expected[k].AsSpan().SequenceEqual(runs[k].Checkpoint().Bytes), $"run {k} on {gemm.Name}");
        }
    }

    [Fact]
    public void The_fastest_group_size_is_one_of_those_measured_and_leaves_its_data_untouched()
    {
        var data = TrainingData.Clusters(dimensions: 64, train: 300);
        var before = data.Train.Pixels.ToArray();

        var size = Core.Benchmarks.GroupSizes.Fastest(data, TestGemmBackends.Default);

        Assert.Contains(size, Core.Benchmarks.GroupSizes.Measured);
        Assert.Equal(before, data.Train.Pixels);
    }

    [Fact]
    public void Of_group_sizes_within_the_noise_of_the_fastest_the_largest_is_chosen()
    {
        var perRun = new Dictionary<int, double>
        {
            [1] = 0.42,
            [2] = 0.36,
            [3] = 0.325,
            [4] = 0.33,
            [8] = 0.355,
        };
        Assert.Equal(8, Core.Benchmarks.GroupSizes.Choose(perRun)); // 0.355 is within 10 % of 0.325

        perRun[8] = 0.36;
        Assert.Equal(4, Core.Benchmarks.GroupSizes.Choose(perRun));
    }

    private sealed record AloneResult(IReadOnlyList<CurvePoint> Curve, byte[] Checkpoint)
    {
        public Checkpoint Restored(TrainingConfig config) => Core.Training.Checkpoint.Read(Checkpoint, config, "test");
    }

    private static AloneResult Alone(TrainingConfig config, IGemm gemm, int? toStep = null)
    {
        var run = TrainingRun.Start(config, Data.Value, gemm);
        var segment = run.Advance(toStep ?? config.TotalSteps);
        return new AloneResult(segment.Points, run.Checkpoint().Bytes);
    }
}
