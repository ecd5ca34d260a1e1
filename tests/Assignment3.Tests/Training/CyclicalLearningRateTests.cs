using Assignment3.Core.Training;

namespace Assignment3.Tests.Training;

public class CyclicalLearningRateTests
{
    private readonly CyclicalLearningRate schedule = new(1e-5, 1e-1, StepSize: 100);

    [Theory]
    [InlineData(0, 1e-5)]
    [InlineData(50, 1e-5 + 0.5 * (1e-1 - 1e-5))]
    [InlineData(100, 1e-1)]
    [InlineData(150, 1e-5 + 0.5 * (1e-1 - 1e-5))]
    [InlineData(200, 1e-5)]
    [InlineData(300, 1e-1)]
    [InlineData(399, 1e-5 + 0.01 * (1e-1 - 1e-5))]
    public void Rises_over_one_step_size_and_falls_over_the_next(long step, double expected) =>
        Assert.Equal(expected, schedule.At(step), 1e-12);

    [Fact]
    public void Recording_points_are_evenly_spaced_through_every_cycle()
    {
        var config = new TrainingConfig
        {
            StepSize = 2250,
            Cycles = 2,
            PointsPerCycle = 10,
        };
        var steps = config.RecordingSteps();
        Assert.Equal(20, steps.Count);
        Assert.Equal(450, steps[0]);
        Assert.Equal(9000, steps[^1]);
        Assert.Equal(9000, config.TotalSteps);
    }
}
