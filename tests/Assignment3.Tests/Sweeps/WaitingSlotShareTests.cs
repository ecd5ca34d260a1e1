using Assignment3.Experiments.Sweeps;

namespace Assignment3.Tests.Sweeps;

/// <summary>How many of a short queue's trials a waiting slot takes, planned so that the sweep ends soonest.</summary>
public class WaitingSlotShareTests
{
    private const double RunCost = 0.8;

    [Fact]
    public void The_last_two_of_a_rung_go_together_rather_than_one_waiting_for_the_busy_slot()
    {
        // lambda-eta-sha's last rung on 2 slots: one promotion went out alone to the slot free first;
        // 3 s later the other two are queued, 27,000 steps each, and the busy slot has 25,000 to go.
        // Taking one left the other to train after the busy slot's trial: 52,000 steps there, against
        // 43,200 for the two together here.
        Assert.Equal(
            2,
            WaitingSlotShare.Take(
                [27_000, 27_000],
                [
                    [25_000],
                ],
                0,
                0,
                RunCost
            )
        );
    }

    [Fact]
    public void A_queue_the_busy_slot_will_soon_be_free_for_is_shared_with_it()
    {
        // Six trials of 2 steps left on the busy slot (9.6 with the group's cost): taking all three
        // queued trials of 10 ends at 24, two at 16 while the busy slot takes the third (19.6).
        Assert.Equal(
            2,
            WaitingSlotShare.Take(
                [10, 10, 10],
                [
                    [2, 2, 2, 2, 2, 2],
                ],
                0,
                0,
                RunCost
            )
        );
        // With 10 steps left each, the busy slot ends at 48 whatever is taken: the waiting slot ends
        // soonest with all three (24, against 26 when the rest follows a smaller group).
        Assert.Equal(
            3,
            WaitingSlotShare.Take(
                [10, 10, 10],
                [
                    [10, 10, 10, 10, 10, 10],
                ],
                0,
                0,
                RunCost
            )
        );
    }

    [Fact]
    public void Another_waiting_slot_takes_the_rest_at_once()
    {
        // Two waiting slots and one busy slot that sets the sweep's end: the two share the queue.
        Assert.Equal(
            2,
            WaitingSlotShare.Take(
                [10, 10, 10, 10],
                [
                    [100],
                ],
                1,
                0,
                RunCost
            )
        );
    }

    [Fact]
    public void Promotions_to_come_are_left_to_the_slots_free_first()
    {
        // Three promotions of 20 queued, the busy slot one step from a rung that releases six more (120
        // steps): all three here, the six to the busy slot (taking two sends the third there too).
        Assert.Equal(
            3,
            WaitingSlotShare.Take(
                [20, 20, 20],
                [
                    [1, 1, 1, 1, 1, 1],
                ],
                0,
                120,
                RunCost
            )
        );
    }

    [Fact]
    public void Without_candidates_nothing_is_taken_and_one_candidate_is_taken_alone()
    {
        Assert.Equal(
            0,
            WaitingSlotShare.Take(
                [],
                [
                    [5],
                ],
                0,
                0,
                RunCost
            )
        );
        Assert.Equal(
            1,
            WaitingSlotShare.Take(
                [50],
                [
                    [5],
                ],
                0,
                0,
                RunCost
            )
        );
    }
}
