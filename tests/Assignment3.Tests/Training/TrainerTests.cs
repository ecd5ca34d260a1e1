using Assignment3.Core.Data;
using Assignment3.Core.Network;
using Assignment3.Core.Numerics;
using Assignment3.Core.Training;
using Assignment3.Tests.Numerics;

namespace Assignment3.Tests.Training;

public class TrainerTests
{
    private static readonly TrainingConfig Small = new()
    {
        Hidden = [20, 20],
        BatchSize = 20,
        StepSize = 40,
        Cycles = 2,
        PointsPerCycle = 4,
        Lambda = 0.001,
        EtaMin = 1e-4,
        EtaMax = 0.1,
        TrainEvalSubset = 100,
        Seed = 3,
    };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Training_learns_separable_clusters(bool batchNorm)
    {
        var data = TrainingData.Clusters();

        var result = Trainer.Train(Small with { BatchNorm = batchNorm }, data, TestGemmBackends.Default);

        Assert.Equal(TrainingStatus.Completed, result.Status);
        Assert.Equal(160, result.UpdateSteps);
        Assert.Equal(8, result.Curve.Count);
        Assert.True(result.ValidationAccuracy > 0.8, $"validation accuracy {result.ValidationAccuracy}");
        Assert.True(result.TestAccuracy > 0.8, $"test accuracy {result.TestAccuracy}");
        Assert.True(result.Curve[^1].TrainLoss < result.Curve[0].TrainLoss);
        Assert.All(result.Curve, p => Assert.True(p.TrainCost > p.TrainLoss, "cost includes the L2 term"));
    }

    [Fact]
    public void Same_config_and_seed_give_the_same_metrics_bit_for_bit_and_another_seed_does_not()
    {
        var data = TrainingData.Clusters();

        var first = Trainer.Train(Small, data, TestGemmBackends.Default);
        var second = Trainer.Train(Small, data, TestGemmBackends.Default);
        var otherSeed = Trainer.Train(Small with { Seed = 4 }, data, TestGemmBackends.Default);

        Assert.Equal(first.Curve, second.Curve);
        Assert.Equal(first.TestAccuracy, second.TestAccuracy);
        Assert.Equal(first.FinalCost, second.FinalCost);
        Assert.NotEqual(first.FinalCost, otherSeed.FinalCost);
    }

    [Fact]
    public void A_diverging_run_stops_with_a_status_and_the_step_it_diverged_at()
    {
        var data = TrainingData.Clusters();
        var exploding = Small with
        {
            BatchNorm = false,
            EtaMin = 1e6,
            EtaMax = 1e7,
            Init = Initialization.FixedSigma(10),
        };

        var result = Trainer.Train(exploding, data, TestGemmBackends.Default);

        Assert.Equal(TrainingStatus.Diverged, result.Status);
        Assert.NotNull(result.DivergedAtStep);
        Assert.True(result.DivergedAtStep < 160);
        Assert.False(double.IsFinite(result.FinalCost));
    }

    [Fact]
    public void Progress_reports_every_curve_point_and_the_last_step()
    {
        var reports = new List<TrainingProgress>();

        Trainer.Train(Small, TrainingData.Clusters(), TestGemmBackends.Default, reports.Add);

        Assert.Equal(8, reports.Count(r => r.Point is not null));
        Assert.Equal(160, reports[^1].Step);
        Assert.All(reports, r => Assert.Equal(160, r.TotalSteps));
    }

    [Fact]
    public void Invalid_settings_are_named()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            Trainer.Train(Small with { Lambda = -1 }, TrainingData.Clusters(), TestGemmBackends.Default)
        );
        Assert.Contains("lambda", e.Message);
        e = Assert.Throws<ArgumentException>(() =>
            Trainer.Train(Small with { BatchSize = 1000 }, TrainingData.Clusters(), TestGemmBackends.Default)
        );
        Assert.Contains("batch-size", e.Message);
    }
}

public class BackendAgreementTests
{
    private static readonly TrainingConfig Config = new()
    {
        Hidden = [20, 20],
        BatchSize = 20,
        StepSize = 40,
        Cycles = 1,
        PointsPerCycle = 2,
        Lambda = 0.001,
        EtaMin = 1e-4,
        EtaMax = 0.05,
        TrainEvalSubset = 100,
        Seed = 5,
    };

    [Fact]
    public void Our_kernels_train_bit_for_bit_alike_on_every_instruction_set()
    {
        var data = TrainingData.Clusters();
        var runs = Enum.GetValues<SimdIsa>()
            .Where(SimdGemm.IsSupported)
            .Select(isa => Trainer.Train(Config, data, new SimdGemm(isa)))
            .ToArray();

        Assert.True(runs.Length >= 2, "this machine has one instruction set only");
        Assert.All(runs, run => Assert.Equal(runs[0].Curve, run.Curve));
        Assert.All(runs, run => Assert.Equal(runs[0].TestAccuracy, run.TestAccuracy));
    }

    [Fact]
    public void Our_kernels_and_OpenBlas_train_alike_within_float_tolerance()
    {
        var data = TrainingData.Clusters();
        var ours = Trainer.Train(Config, data, TestGemmBackends.Default);
        var openBlas = Trainer.Train(Config, data, GemmBackends.OpenBlasIfInstalled!);

        for (var i = 0; i < ours.Curve.Count; i++)
        {
            Assert.Equal(ours.Curve[i].TrainLoss, openBlas.Curve[i].TrainLoss, 1e-3);
            Assert.Equal(ours.Curve[i].ValidationLoss, openBlas.Curve[i].ValidationLoss, 1e-3);
        }
        Assert.Equal(ours.TestAccuracy, openBlas.TestAccuracy, 0.02);
    }
}

public class AllocationTests
{
    public static IEnumerable<object[]> Cases() =>
        from backend in TestGemmBackends.All
        from batchNorm in new[] { false, true }
        select new object[] { backend.Name, batchNorm };

    [Theory]
    [MemberData(nameof(Cases))]
    public void An_update_step_allocates_nothing(string backend, bool batchNorm)
    {
        var gemm = Assignment3.Tests.Numerics.TestGemmBackends.ByName(backend);
        var data = TrainingData.Clusters(dimensions: 64);
        var network = new Network<float>(
            new NetworkSpec(64, [32, 16], 10, batchNorm, Initialization.He),
            seed: 1,
            gemm
        );
        var ws = network.CreateWorkspace(20);
        var x = new Mat<float>(64, 20);
        var labels = new byte[20];
        var order = Enumerable.Range(0, data.Train.Count).ToArray();
        void Steps(int count)
        {
            for (var s = 0; s < count; s++)
            {
                data.Train.Gather(order.AsSpan(s % 20 * 20, 20), x, labels);
                TrainingRun.UpdateStep(network, ws, x, labels, 0.001f, 0.01f);
            }
        }
        Steps(50); // JIT and first-use work
        long Allocated()
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            Steps(200);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        // Steps that allocate do so in every stretch; the runtime's own one-off work (the JIT recompiling a
        // method in tiers, seconds later under load) shows in one: a CI run saw 4,248 bytes in one stretch.
        Assert.Equal(0, Math.Min(Allocated(), Math.Min(Allocated(), Allocated())));
    }
}

public class TestEvaluationTests
{
    [Fact]
    public void Skipping_the_test_pass_leaves_training_unchanged_and_reports_no_test_accuracy()
    {
        var config = new TrainingConfig
        {
            Hidden = [20],
            BatchSize = 20,
            StepSize = 20,
            Cycles = 1,
            PointsPerCycle = 2,
            TrainEvalSubset = 100,
            Seed = 2,
        };
        var data = TrainingData.Clusters();

        var with = Trainer.Train(config, data, TestGemmBackends.Default);
        var without = Trainer.Train(config, data, TestGemmBackends.Default, evaluateTest: false);

        Assert.True(double.IsFinite(with.TestAccuracy));
        Assert.True(double.IsNaN(without.TestAccuracy));
        Assert.Equal(with.Curve, without.Curve);
        Assert.Equal(with.ValidationAccuracy, without.ValidationAccuracy);
    }
}

public class CheckpointTests
{
    private static readonly TrainingConfig Config = new()
    {
        Hidden = [12, 8],
        BatchNorm = true,
        BatchSize = 20,
        StepSize = 30,
        Cycles = 2,
        PointsPerCycle = 3,
        Lambda = 0.001,
        EtaMin = 1e-4,
        EtaMax = 0.05,
        TrainEvalSubset = 100,
        Seed = 4,
    };

    public static IEnumerable<object[]> Backends() => TestGemmBackends.All.Select(b => new object[] { b.Name });

    [Theory]
    [MemberData(nameof(Backends))]
    public void Continuing_from_a_checkpoint_gives_bit_for_bit_the_run_that_never_stopped(string backend)
    {
        var gemm = TestGemmBackends.ByName(backend);
        var data = TrainingData.Clusters();
        var whole = TrainingRun.Start(Config, data, gemm);
        var uninterrupted = whole.Advance(Config.TotalSteps);

        // Stopped mid-epoch and mid-cycle (step 47), the checkpoint's bytes taken elsewhere and continued twice over.
        var first = TrainingRun.Start(Config, data, gemm);
        var head = first.Advance(47);
        var middle = TrainingRun.Resume(Config, data, gemm, Checkpoint.Read(first.Checkpoint().Bytes, Config, "test"));
        var body = middle.Advance(90);
        var last = TrainingRun.Resume(Config, data, gemm, Checkpoint.Read(middle.Checkpoint().Bytes, Config, "test"));
        var tail = last.Advance(Config.TotalSteps);

        Assert.Equal(uninterrupted.Points, [.. head.Points, .. body.Points, .. tail.Points]);
        Assert.Equal(whole.Checkpoint().Bytes, last.Checkpoint().Bytes); // every parameter and running statistic
        Assert.Equal(whole.TestAccuracy(), last.TestAccuracy());
    }

    [Fact]
    public void A_damaged_foreign_or_other_runs_checkpoint_is_refused_with_what_is_wrong()
    {
        var run = TrainingRun.Start(Config, TrainingData.Clusters(), TestGemmBackends.Default);
        run.Advance(10);
        var bytes = run.Checkpoint().Bytes;

        var flipped = (byte[])bytes.Clone();
        flipped[bytes.Length / 2] ^= 1;
        Assert.Equal(
            "ckpt: the checkpoint is damaged (it does not match its checksum)",
            Assert.Throws<CheckpointException>(() => Checkpoint.Read(flipped, Config, "ckpt")).Message
        );
        Assert.Equal(
            "ckpt: not an a3 checkpoint",
            Assert
                .Throws<CheckpointException>(() =>
                    Checkpoint.Read("PK\x03\x04 a zip file, say"u8.ToArray(), Config, "ckpt")
                )
                .Message
        );
        Assert.Equal(
            "ckpt: the checkpoint was made for another run (its config differs)",
            Assert
                .Throws<CheckpointException>(() => Checkpoint.Read(bytes, Config with { Lambda = 0.01 }, "ckpt"))
                .Message
        );
        // A larger budget is the same run: its checkpoint continues it.
        Assert.Equal(10, Checkpoint.Read(bytes, Config with { Cycles = 9 }, "ckpt").Step);
    }

    [Fact]
    public void A_checkpoint_of_the_recipe_network_is_about_six_hundred_kilobytes()
    {
        var config = new TrainingConfig { Hidden = [50, 50], BatchNorm = true };
        var network = new Network<float>(config.NetworkSpec(3072, 10), 1, TestGemmBackends.Default);
        Assert.InRange(Checkpoint.Of(config, network, 0).Bytes.Length, 600_000, 650_000);
    }
}
