using Assignment3.Core.Data;
using Assignment3.Core.Network;
using Assignment3.Core.Numerics;
using Assignment3.Core.Training;

namespace Assignment3.Tests.Training;

public class TrainerTests
{
    private static readonly TrainingConfig Small = new()
    {
        Hidden = [20, 20], BatchSize = 20, StepSize = 40, Cycles = 2, PointsPerCycle = 4,
        Lambda = 0.001, EtaMin = 1e-4, EtaMax = 0.1, TrainEvalSubset = 100, Seed = 3,
    };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Training_learns_separable_clusters(bool batchNorm)
    {
        var data = TrainingData.Clusters();

        var result = Trainer.Train(Small with { BatchNorm = batchNorm }, data, ManagedGemm.Instance);

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

        var first = Trainer.Train(Small, data, ManagedGemm.Instance);
        var second = Trainer.Train(Small, data, ManagedGemm.Instance);
        var otherSeed = Trainer.Train(Small with { Seed = 4 }, data, ManagedGemm.Instance);

        Assert.Equal(first.Curve, second.Curve);
        Assert.Equal(first.TestAccuracy, second.TestAccuracy);
        Assert.Equal(first.FinalCost, second.FinalCost);
        Assert.NotEqual(first.FinalCost, otherSeed.FinalCost);
    }

    [Fact]
    public void A_diverging_run_stops_with_a_status_and_the_step_it_diverged_at()
    {
        var data = TrainingData.Clusters();
        var exploding = Small with { BatchNorm = false, EtaMin = 1e6, EtaMax = 1e7, Init = Initialization.FixedSigma(10) };

        var result = Trainer.Train(exploding, data, ManagedGemm.Instance);

        Assert.Equal(TrainingStatus.Diverged, result.Status);
        Assert.NotNull(result.DivergedAtStep);
        Assert.True(result.DivergedAtStep < 160);
        Assert.False(double.IsFinite(result.FinalCost));
    }

    [Fact]
    public void Progress_reports_every_curve_point_and_the_last_step()
    {
        var reports = new List<TrainingProgress>();

        Trainer.Train(Small, TrainingData.Clusters(), ManagedGemm.Instance, reports.Add);

        Assert.Equal(8, reports.Count(r => r.Point is not null));
        Assert.Equal(160, reports[^1].Step);
        Assert.All(reports, r => Assert.Equal(160, r.TotalSteps));
    }

    [Fact]
    public void Invalid_settings_are_named()
    {
        var e = Assert.Throws<ArgumentException>(() => Trainer.Train(Small with { Lambda = -1 }, TrainingData.Clusters(), ManagedGemm.Instance));
        Assert.Contains("lambda", e.Message);
        e = Assert.Throws<ArgumentException>(() => Trainer.Train(Small with { BatchSize = 1000 }, TrainingData.Clusters(), ManagedGemm.Instance));
        Assert.Contains("batch-size", e.Message);
    }
}

public class BackendAgreementTests
{
    [Fact]
    public void Managed_and_OpenBlas_training_agree_within_float_tolerance()
    {
        var config = new TrainingConfig { Hidden = [20, 20], BatchSize = 20, StepSize = 40, Cycles = 1, PointsPerCycle = 2, Lambda = 0.001, EtaMin = 1e-4, EtaMax = 0.05, TrainEvalSubset = 100, Seed = 5 };
        var data = TrainingData.Clusters();
        var results = Assignment3.Tests.Numerics.TestGemmBackends.All.Select(gemm => Trainer.Train(config, data, gemm)).ToArray();

        var (managed, openBlas) = (results[0], results[1]);
        for (var i = 0; i < managed.Curve.Count; i++)
        {
            Assert.Equal(managed.Curve[i].TrainLoss, openBlas.Curve[i].TrainLoss, 1e-3);
            Assert.Equal(managed.Curve[i].ValidationLoss, openBlas.Curve[i].ValidationLoss, 1e-3);
        }
        Assert.Equal(managed.TestAccuracy, openBlas.TestAccuracy, 0.02);
    }
}

public class AllocationTests
{
    // The managed fallback is left out: MathNet's provider allocates inside its multiply.
    public static IEnumerable<object[]> Cases() =>
        from batchNorm in new[] { false, true }
        select new object[] { GemmBackends.OpenBlasIfInstalled!.Name, batchNorm };

    [Theory]
    [MemberData(nameof(Cases))]
    public void An_update_step_allocates_nothing(string backend, bool batchNorm)
    {
        var gemm = Assignment3.Tests.Numerics.TestGemmBackends.ByName(backend);
        var data = TrainingData.Clusters(dimensions: 64);
        var network = new Network<float>(new NetworkSpec(64, [32, 16], 10, batchNorm, Initialization.He), seed: 1, gemm);
        var ws = network.CreateWorkspace(20);
        var x = new Mat<float>(64, 20);
        var labels = new byte[20];
        var order = Enumerable.Range(0, data.Train.Count).ToArray();
        void Steps(int count)
        {
            for (var s = 0; s < count; s++)
            {
                Batches.Gather(data.Train, order.AsSpan(s % 20 * 20, 20), x, labels);
                Trainer.Step(network, ws, x, labels, 0.001f, 0.01f);
            }
        }
        Steps(50); // JIT and first-use work

        var before = GC.GetAllocatedBytesForCurrentThread();
        Steps(200);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }
}

public class TestEvaluationTests
{
    [Fact]
    public void Skipping_the_test_pass_leaves_training_unchanged_and_reports_no_test_accuracy()
    {
        var config = new TrainingConfig { Hidden = [20], BatchSize = 20, StepSize = 20, Cycles = 1, PointsPerCycle = 2, TrainEvalSubset = 100, Seed = 2 };
        var data = TrainingData.Clusters();

        var with = Trainer.Train(config, data, ManagedGemm.Instance);
        var without = Trainer.Train(config, data, ManagedGemm.Instance, evaluateTest: false);

        Assert.True(double.IsFinite(with.TestAccuracy));
        Assert.True(double.IsNaN(without.TestAccuracy));
        Assert.Equal(with.Curve, without.Curve);
        Assert.Equal(with.ValidationAccuracy, without.ValidationAccuracy);
    }
}
