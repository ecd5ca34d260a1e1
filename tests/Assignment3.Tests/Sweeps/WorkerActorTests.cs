using Akka.Actor;
using Akka.TestKit.Xunit2;
using Assignment3.Core.Training;
using Assignment3.Experiments.Sweeps;
using Assignment3.Sweeps.Actors;
using Assignment3.Sweeps.Hosting;
using Assignment3.Sweeps.Protocol;
using Assignment3.Sweeps.Trials;

namespace Assignment3.Tests.Sweeps;

public class WorkerActorTests() : TestKit(ActorTestConfig.Local())
{
    private static readonly PreparedRunner Runner = new("abc", new FakeTrialRunner(gate: new SemaphoreSlim(0)));

    private static AssignTrial Trial(int id) =>
        new(
            id,
            1,
            new TrainingConfig
            {
                Hidden = [4],
                StepSize = 5,
                Cycles = 1,
                BatchSize = 10,
            },
            TestAccuracy: false
        );

    [Fact]
    public void A_slot_outlives_the_coordinators_it_served_before()
    {
        var slot = Sys.ActorOf(WorkerActor.Props("node-a"));
        Watch(slot);
        var (old, current) = (CreateTestProbe(), CreateTestProbe());
        slot.Tell(new CoordinatorFound(old.Ref, Runner));
        old.ExpectMsg<RequestTrial>();
        slot.Tell(new CoordinatorFound(current.Ref, Runner));
        current.ExpectMsg<RequestTrial>();

        Sys.Stop(old.Ref);

        ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // no Terminated: the slot did not die with the old coordinator
        slot.Tell(new AssignGroup([Trial(1)]), current.Ref);
        current.ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // it took the trial (no refusal)
    }

    /// <summary>A slot that found <paramref name="coordinator"/>, asked it for work and got trial 1 (which its runner holds).</summary>
    private IActorRef SlotTraining(Akka.TestKit.TestProbe coordinator)
    {
        var slot = Sys.ActorOf(WorkerActor.Props("node-a"));
        slot.Tell(new CoordinatorFound(coordinator.Ref, Runner));
        coordinator.ExpectMsg<RequestTrial>();
        slot.Tell(new AssignGroup([Trial(1)]), coordinator.Ref);
        return slot;
    }

    [Fact]
    public void A_busy_slot_declines_a_second_trial_without_failing_it()
    {
        var coordinator = CreateTestProbe();
        var slot = SlotTraining(coordinator);

        slot.Tell(new AssignGroup([Trial(2)]), coordinator.Ref);

        var declined = coordinator.ExpectMsg<TrialDeclined>();
        Assert.Equal((2, 1, "node-a"), (declined.Trial, declined.Attempt, declined.Node));
        Assert.Contains("trial 1", declined.Reason);
    }

    [Fact]
    public void A_slot_whose_trial_is_cancelled_asks_for_the_next_one()
    {
        var coordinator = CreateTestProbe();
        var slot = SlotTraining(coordinator);

        slot.Tell(new CancelTrial(1, 1), coordinator.Ref);

        coordinator.ExpectMsg<RequestTrial>(); // and reports nothing about the cancelled trial
    }

    [Fact]
    public void A_released_trial_sends_its_checkpoint_and_nothing_more_while_its_group_goes_on()
    {
        var data = Training.TrainingData.Clusters(dimensions: 40, train: 200, validation: 60, test: 40);
        var runner = new PreparedRunner("abc", new CifarTrialRunner(data, Numerics.TestGemmBackends.Default, 2));
        var config = new TrainingConfig
        {
            Hidden = [8],
            BatchSize = 20,
            StepSize = 300,
            Cycles = 1,
            PointsPerCycle = 3, // a point every 200 steps of 600
            TrainEvalSubset = 50,
            DataOrderSeed = 7, // the same mini-batches: one group
        };
        AssignTrial Handout(int id) =>
            new(id, 1, config with { Seed = id }, TestAccuracy: false, CheckpointEvery: int.MaxValue);
        var coordinator = CreateTestProbe();
        var slot = Sys.ActorOf(WorkerActor.Props("node-a"));
        slot.Tell(new CoordinatorFound(coordinator.Ref, runner));
        coordinator.ExpectMsg<RequestTrial>();

        slot.Tell(new AssignGroup([Handout(1), Handout(2)]), coordinator.Ref);
        slot.Tell(new ReleaseTrial(2, 1), coordinator.Ref);

        var released = coordinator.FishForMessage<CheckpointTaken>(c => c.Trial == 2);
        Assert.True(released.Released);
        Assert.Equal(200, released.Step);
        var after = new List<object>();
        bool Collect(object message)
        {
            after.Add(message);
            return message is RequestTrial;
        }
        coordinator.FishForMessage<object>(Collect, TimeSpan.FromSeconds(30));
        var finished = Assert.Single(after.OfType<TrialFinished>()); // the group is done, with nothing more of trial 2
        Assert.Equal(
            (1, TrialStatus.Completed, 600),
            (finished.Trial, finished.Outcome.Status, finished.Outcome.UpdateSteps)
        );
        Assert.DoesNotContain(after, m => m is TrialProgressed { Trial: 2 } or CheckpointTaken { Trial: 2 });
    }
}
