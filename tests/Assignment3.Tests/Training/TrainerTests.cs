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
