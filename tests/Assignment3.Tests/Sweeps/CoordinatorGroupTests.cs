using Akka.Actor;
using Akka.TestKit.Xunit2;
using Assignment3.Core.Data;
using Assignment3.Experiments.Sweeps;
using Assignment3.Sweeps.Actors;
using Assignment3.Sweeps.Protocol;

namespace Assignment3.Tests.Sweeps;

/// <summary>
/// Hand-outs of groups: how large (sweep.group-size, or auto: the queue shared over the slots known, at
/// most what a slot trains fastest), each trial started in its group, and each trial's fate its own.
/// </summary>
public class CoordinatorGroupTests() : TestKit(ActorTestConfig.Local("a3.sweep.deadline-check-interval = 50ms"))
{
    private const string Fingerprint = "abc";
    private long ticks = TimeSpan.FromHours(1).Ticks;

    private (IActorRef Coordinator, Akka.TestKit.TestProbe Aggregator) Start(SweepConfig? config = null)
    {
        var aggregator = CreateTestProbe();
        var state = SweepState.Replay(config ?? SweepConfigs.Small(trialTimeout: 60), []);
        var coordinator = Sys.ActorOf(
            CoordinatorActor.Props(state, aggregator.Ref, new DataOptions(), Fingerprint, clock: () =>
                TimeSpan.FromTicks(Interlocked.Read(ref ticks))
            )
        );
        return (coordinator, aggregator);
    }

    private static TrialOutcome Completed(double accuracy) =>
        new(TrialStatus.Completed, accuracy, double.NaN, accuracy, 1.0, 10, 0.1, null, null, []);

    private static int[] Trials(AssignGroup group) => group.Trials.Select(t => t.Trial).ToArray();

    [Fact]
    public void With_auto_each_wave_of_work_is_cut_into_a_multiple_of_the_slots_groups_each_at_most_a_slots_capacity()
    {
        var (coordinator, aggregator) = Start(); // six trials queued; two slots, on one node here
        var (a, b, c) = (CreateTestProbe(), CreateTestProbe(), CreateTestProbe());

        coordinator.Tell(new RequestTrial("node-a", "slot-1", Fingerprint, Capacity: 4, NodeSlots: 2), a);
        Assert.Equal([1, 2, 3], Trials(a.ExpectMsg<AssignGroup>())); // six in two groups (one per slot), not four and two
        var started = Enumerable.Range(0, 3).Select(_ => aggregator.FishForMessage<TrialStarted>(_ => true)).ToArray();
        Assert.Equal([1, 2, 3], started.Select(s => s.Trial));
        Assert.All(started, s => Assert.Equal((1, "node-a", "slot-1"), (s.Group, s.Node, s.Slot)));

        coordinator.Tell(new RequestTrial("node-a", "slot-2", Fingerprint, Capacity: 4, NodeSlots: 2), b);
        Assert.Equal([4, 5, 6], Trials(b.ExpectMsg<AssignGroup>())); // the plan holds for the rest of the wave
        coordinator.Tell(new RequestTrial("node-a", "slot-1", Fingerprint, Capacity: 4, NodeSlots: 2), c);
        c.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // nothing left

        var (coordinator2, _) = Start();
        var small = CreateTestProbe();
        coordinator2.Tell(new RequestTrial("node-a", "slot-1", Fingerprint, Capacity: 2, NodeSlots: 2), small);
        Assert.Equal([1, 2], Trials(small.ExpectMsg<AssignGroup>())); // never more than the slot's capacity
    }

    /// <summary>
    /// Six trials of ten steps, two slots of capacity four: slot 1 trains trials 1-3, having reached
    /// <paramref name="reached"/>, when slot 2's trials 4-6 come back to the queue and slot 2 asks again.
    /// </summary>
    [Theory]
    [InlineData(0, new[] { 4, 5, 6 })] // slot 1 has 30 steps to go: the 30 queued go out together
    [InlineData(8, new[] { 4, 5 })] // 6 steps to go: each slot's share is 18, two trials' 20 the nearest
    public void With_auto_a_waiting_slot_takes_the_share_of_a_short_queue_that_ends_with_the_busy_slots(
        int reached,
        int[] taken
    )
    {
        var (coordinator, aggregator) = Start();
        var (a, b, c) = (CreateTestProbe(), CreateTestProbe(), CreateTestProbe());
        coordinator.Tell(new RequestTrial("node-a", "slot-1", Fingerprint, Capacity: 4, NodeSlots: 2), a);
        Assert.Equal([1, 2, 3], Trials(a.ExpectMsg<AssignGroup>()));
        coordinator.Tell(new RequestTrial("node-a", "slot-2", Fingerprint, Capacity: 4, NodeSlots: 2), b);
        Assert.Equal([4, 5, 6], Trials(b.ExpectMsg<AssignGroup>()));
        if (reached > 0)
            foreach (var trial in new[] { 1, 2, 3 })
            {
                coordinator.Tell(
                    new TrialProgressed(trial, 1, new Core.Training.CurvePoint(reached, 0.1, 1, 1, 0.5, 1, 1, 0.5)),
                    a
                );
                aggregator.FishForMessage<TrialPointReached>(p => p.Trial == trial);
            }

        Sys.Stop(b.Ref);
        Assert.Equal(4, aggregator.FishForMessage<TrialRequeued>(_ => true).Trial);
        coordinator.Tell(new RequestTrial("node-a", "slot-2", Fingerprint, Capacity: 4, NodeSlots: 2), c);

        // Shared over both slots as if both were free, the three would go out as two and one; taken whole
        // by the waiting slot, always as three.
        Assert.Equal(taken, Trials(c.ExpectMsg<AssignGroup>()));
    }

    /// <summary>
    /// Successive halving, 27 trials of 10 steps a cycle (27 -> 9 -> 3), two slots of capacity eight:
    /// when slot 1 asks with the first three of rung 0's nine promotions queued and slot 2's last six
    /// trials a step from the rung, it takes all three, leaving slot 2 the six promotions to come.
    /// Shared without them (six steps left, the three's 60), it would take two and leave one alone.
    /// </summary>
    [Fact]
    public void With_auto_a_waiting_slot_leaves_the_promotions_to_come_to_the_slots_whose_trials_release_them()
    {
        var (coordinator, _) = Start(SweepConfigs.EarlyStopping());
        var (a, b) = (CreateTestProbe(), CreateTestProbe());
        int[] Ask(Akka.TestKit.TestProbe slot, string name)
        {
            coordinator.Tell(new RequestTrial("node-a", name, Fingerprint, Capacity: 8, NodeSlots: 2), slot);
            return Trials(slot.ExpectMsg<AssignGroup>());
        }
        void Pause(Akka.TestKit.TestProbe slot, IEnumerable<int> trials)
        {
            foreach (var trial in trials)
            {
                var accuracy = 0.9 - 0.01 * trial; // the lower the id, the better
                var point = new Core.Training.CurvePoint(10, 0.1, 1, 1, accuracy, 1, 1, accuracy);
                var outcome = new TrialOutcome(
                    TrialStatus.Completed,
                    accuracy,
                    double.NaN,
                    accuracy,
                    1,
                    10,
                    0.1,
                    null,
                    null,
                    [point]
                );
                coordinator.Tell(new TrialFinished(trial, 1, "node-a", outcome, Checkpoint: []), slot);
            }
        }

        Assert.Equal(Enumerable.Range(1, 7), Ask(a, "slot-1"));
        Assert.Equal(Enumerable.Range(8, 7), Ask(b, "slot-2"));
        Pause(a, Enumerable.Range(1, 7));
        Assert.Equal(Enumerable.Range(15, 7), Ask(a, "slot-1"));
        Pause(b, Enumerable.Range(8, 7));
        Assert.Equal(Enumerable.Range(22, 6), Ask(b, "slot-2"));
        foreach (var trial in Enumerable.Range(22, 6))
            coordinator.Tell(
                new TrialProgressed(trial, 1, new Core.Training.CurvePoint(9, 0.1, 1, 1, 0.5, 1, 1, 0.5)),
                b
            );

        Pause(a, Enumerable.Range(15, 7)); // 21 results, six missing: trials 1-3 are certain to go on
        Assert.Equal([1, 2, 3], Ask(a, "slot-1"));
    }

    /// <summary>
    /// Six trials of ten steps on two slots, three each; slot 2's are recorded while slot 1's have all
    /// their steps to go. Nothing is queued or to come, so slot 1's trial with the most steps left (the
    /// last) is released: it leaves its group at a checkpoint, and slot 2 goes on with it from there.
    /// </summary>
    [Fact]
    public void A_slot_with_nothing_to_do_goes_on_with_a_trial_released_from_a_busy_slots_group()
    {
        var (coordinator, aggregator) = Start();
        var (a, b) = (CreateTestProbe(), CreateTestProbe());
        coordinator.Tell(new RequestTrial("node-a", "slot-1", Fingerprint, Capacity: 4, NodeSlots: 2), a);
        Assert.Equal([1, 2, 3], Trials(a.ExpectMsg<AssignGroup>()));
        coordinator.Tell(new RequestTrial("node-a", "slot-2", Fingerprint, Capacity: 4, NodeSlots: 2), b);
        Assert.Equal([4, 5, 6], Trials(b.ExpectMsg<AssignGroup>()));
        foreach (var trial in new[] { 4, 5, 6 })
            coordinator.Tell(new TrialFinished(trial, 1, "node-a", Completed(0.5)), b);
        a.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // slot 2 has not asked yet

        coordinator.Tell(new RequestTrial("node-a", "slot-2", Fingerprint, Capacity: 4, NodeSlots: 2), b);
        Assert.Equal(new ReleaseTrial(3, 1), a.ExpectMsg<ReleaseTrial>());
        b.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // it waits for the checkpoint
        var point = new Core.Training.CurvePoint(4, 0.1, 1, 1, 0.5, 1, 1, 0.5);
        coordinator.Tell(new CheckpointTaken(3, 1, 4, [1, 2, 3], [point], 0.2, Released: true), a);

        Assert.Equal(4, aggregator.FishForMessage<TrialCheckpointed>(e => e.Trial == 3).Step);
        var requeued = aggregator.FishForMessage<TrialRequeued>(e => e.Trial == 3);
        Assert.Equal((1, false, true), (requeued.Attempt, requeued.Charged, requeued.Released));
        var goingOn = Assert.Single(b.ExpectMsg<AssignGroup>().Trials);
        Assert.Equal((3, 2, 4), (goingOn.Trial, goingOn.Attempt, goingOn.FromStep));
        Assert.Equal([1, 2, 3], goingOn.Checkpoint);
        a.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // trials 1 and 2 alone would not end sooner: no more releases
    }

    [Fact]
    public void A_fixed_group_size_is_what_every_slot_gets_whatever_its_capacity()
    {
        var config = SweepConfig.Parse(
            """
            network { hidden = [4], batch-norm = [false, true] }
            training { lambda = [1e-4, 1e-3, 1e-2], step-size = 5, cycles = 1, batch-size = 10 }
            sweep { group-size = 2 }
            """,
            "two.conf"
        );
        var (coordinator, _) = Start(config);
        var (a, b) = (CreateTestProbe(), CreateTestProbe());

        coordinator.Tell(new RequestTrial("node-a", "slot-1", Fingerprint, Capacity: 8), a);
        coordinator.Tell(new RequestTrial("node-b", "slot-1", Fingerprint, Capacity: 1), b);

        Assert.Equal([1, 2], Trials(a.ExpectMsg<AssignGroup>()));
        Assert.Equal([3, 4], Trials(b.ExpectMsg<AssignGroup>()));
    }

    [Fact]
    public void A_trial_of_a_group_recorded_from_an_earlier_hand_out_is_cancelled_alone_and_a_lost_slot_requeues_the_rest()
    {
        var (coordinator, aggregator) = Start();
        var (slow, grouped) = (CreateTestProbe(), CreateTestProbe());
        coordinator.Tell(new RequestTrial("slow", "slot-1", Fingerprint), slow);
        var first = slow.ExpectTrial();
        aggregator.FishForMessage<TrialStarted>(_ => true);
        Interlocked.Add(ref ticks, TimeSpan.FromSeconds(61).Ticks); // silent past its deadline: back in the queue
        Assert.Equal(
            (first.Trial, true),
            aggregator.FishForMessage<TrialRequeued>(_ => true) is var r ? (r.Trial, r.Charged) : default
        );

        coordinator.Tell(new RequestTrial("group", "slot-1", Fingerprint, Capacity: 4), grouped);
        var group = grouped.ExpectMsg<AssignGroup>();
        Assert.Equal([1, 2, 3], Trials(group)); // six queued: two groups of three
        Assert.Equal(2, group.Trials[0].Attempt);

        // The slow slot's result comes in first: recorded, and only trial 1 of the group is stopped.
        coordinator.Tell(new TrialFinished(1, 1, "slow", Completed(0.45)), slow);
        Assert.Equal(new CancelTrial(1, 2), grouped.ExpectMsg<CancelTrial>());
        coordinator.Tell(new TrialFinished(2, 1, "group", Completed(0.5)), grouped);
        Assert.Equal(2, aggregator.FishForMessage<TrialRecorded>(e => e.Trial == 2).Trial);
        grouped.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // trials 2 and 3 were not cancelled

        // The group's slot is lost: the trial it had not finished goes back to the queue, uncharged.
        Sys.Stop(grouped.Ref);
        var requeued = aggregator.FishForMessage<TrialRequeued>(_ => true);
        Assert.Equal((3, false), (requeued.Trial, requeued.Charged));
        aggregator.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // and no other
    }
}
