using Assignment3.Experiments.Sweeps;
using Assignment3.Sweeps.Hosting;

namespace Assignment3.Tests.Sweeps;

public sealed class SweepNewsTests
{
    [Fact]
    public void Plain_lines_name_the_trial_by_its_table_values_and_say_when_a_hand_out_replaces_a_lost_one()
    {
        var state = new SweepState(SweepConfigs.Small());
        var steps = state.Current.Plan.Trial(1).Config.TotalSteps;
        string Line(SweepEvent e)
        {
            state.Apply(e);
            return SweepNews.Line(e, state)!;
        }

        Assert.Equal(
            "trial 1 (lambda=1.00e-04, batch-norm=false) started on n1/slot-1",
            Line(new TrialStarted(1, 1, "n1", "slot-1", 0, steps))
        );
        Assert.Equal(
            "trial 1 (lambda=1.00e-04, batch-norm=false) back in the queue: its worker on n1 was lost",
            Line(new TrialRequeued(1, 1, "its worker on n1 was lost", Charged: false))
        );
        Assert.Equal(
            "trial 1 (lambda=1.00e-04, batch-norm=false) started on n2/slot-1 (hand-out 2: the last one was lost)",
            Line(new TrialStarted(1, 2, "n2", "slot-1", 0, steps))
        );
        Assert.StartsWith(
            "trial 1 (lambda=1.00e-04, batch-norm=false) failed: boom",
            Line(new TrialRecorded(1, 2, "n2", TrialOutcome.Failure("boom")))
        );
        Assert.Null(SweepNews.Line(new TrialCheckpointed(2, 1, 5, [], 0.1), state)); // not worth a line
    }
}
