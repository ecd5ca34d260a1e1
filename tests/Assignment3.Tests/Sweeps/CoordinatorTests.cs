using Akka.Actor;
using Akka.TestKit.Xunit2;
using Assignment3.Sweeps.Actors;
using Assignment3.Sweeps.Protocol;

namespace Assignment3.Tests.Sweeps;

public class CoordinatorTests : TestKit
{
    private const string Fingerprint = "abc";

    private (IActorRef Coordinator, Akka.TestKit.TestProbe Aggregator) Start(double trialTimeout = 1800, int maxAttempts = 3)
    {
        var aggregator = CreateTestProbe();
        var coordinator = Sys.ActorOf(CoordinatorActor.Props(SweepConfigs.Small(trialTimeout, maxAttempts), aggregator.Ref, Fingerprint, deadlineCheckInterval: TimeSpan.FromMilliseconds(100)));
        var planned = aggregator.ExpectMsg<StagePlanned>();
        Assert.Equal(6, planned.Trials.Count);
        return (coordinator, aggregator);
    }

    private static TrialOutcome Completed(double accuracy) =>
        new(TrialStatus.Completed, accuracy, double.NaN, accuracy, 1.0, 10, 0.1, null, null, []);

    [Fact]
    public void Trials_go_only_to_workers_that_ask_one_each_in_order()
    {
        var (coordinator, _) = Start();
        var (first, second) = (CreateTestProbe(), CreateTestProbe());

        coordinator.Tell(new RequestTrial("node-a", Fingerprint), first);
        coordinator.Tell(new RequestTrial("node-b", Fingerprint), second);

        Assert.Equal(1, first.ExpectMsg<AssignTrial>().Trial);
        Assert.Equal(2, second.ExpectMsg<AssignTrial>().Trial);
        first.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // nothing is pushed without a request
    }

    [Fact]
    public void A_worker_that_stops_mid_trial_gets_its_trial_requeued_for_the_next_worker()
    {
        var (coordinator, aggregator) = Start();
        var doomed = CreateTestProbe();
        coordinator.Tell(new RequestTrial("node-a", Fingerprint), doomed);
        var lost = doomed.ExpectMsg<AssignTrial>();

        Sys.Stop(doomed.Ref);

        var requeued = aggregator.FishForMessage<TrialRequeued>(_ => true);
        Assert.Equal(lost.Trial, requeued.Trial);
        var next = CreateTestProbe();
        coordinator.Tell(new RequestTrial("node-b", Fingerprint), next);
        var again = next.ExpectMsg<AssignTrial>();
        Assert.Equal(lost.Trial, again.Trial);
        Assert.Equal(2, again.Attempt);
    }

    [Fact]
    public void A_second_result_for_a_trial_is_ignored()
    {
        var (coordinator, aggregator) = Start();
        var worker = CreateTestProbe();
        coordinator.Tell(new RequestTrial("node-a", Fingerprint), worker);
        var trial = worker.ExpectMsg<AssignTrial>();

        coordinator.Tell(new TrialFinished(trial.Trial, trial.Attempt, "node-a", Completed(0.5)), worker);
        coordinator.Tell(new TrialFinished(trial.Trial, trial.Attempt, "node-a", Completed(0.9)), worker);

        var recorded = aggregator.FishForMessage<TrialRecorded>(_ => true);
        Assert.Equal(0.5, recorded.Outcome.ValidationAccuracy);
        aggregator.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void Finishing_a_stage_plans_the_refinement_around_its_best_trial()
    {
        var (coordinator, aggregator) = Start();
        var worker = CreateTestProbe();
        for (var i = 0; i < 6; i++)
        {
            coordinator.Tell(new RequestTrial("node-a", Fingerprint), worker);
            var trial = worker.ExpectMsg<AssignTrial>();
            // Trial 5 (batch norm with lambda 1e-3: batch norm varies slowest in planning order) is the best.
            coordinator.Tell(new TrialFinished(trial.Trial, trial.Attempt, "node-a", Completed(trial.Trial == 5 ? 0.6 : 0.4)), worker);
        }

        var fine = aggregator.FishForMessage<StagePlanned>(_ => true);
        Assert.Equal("fine", fine.Stage);
        Assert.Equal([7, 8, 9], fine.Trials.Select(t => t.Id));
        Assert.All(fine.Trials, t => Assert.Equal("true", t.Value("batch-norm")));
        Assert.All(fine.Trials, t => Assert.Equal(2, t.Config.Cycles));
        var lambdas = fine.Trials.Select(t => t.Config.Lambda).ToArray();
        Assert.Equal(1e-3 / Math.Pow(10, 0.25), lambdas[0], 1e-12);
        Assert.Equal(1e-3, lambdas[1], 1e-12);
        Assert.Equal(1e-3 * Math.Pow(10, 0.25), lambdas[2], 1e-12);
    }

    [Fact]
    public void The_sweep_completes_when_every_stage_is_recorded()
    {
        var (coordinator, aggregator) = Start();
        var worker = CreateTestProbe();
        for (var i = 0; i < 9; i++)
        {
            coordinator.Tell(new RequestTrial("node-a", Fingerprint), worker);
            var trial = worker.ExpectMsg<AssignTrial>();
            coordinator.Tell(new TrialFinished(trial.Trial, trial.Attempt, "node-a", Completed(0.5)), worker);
        }

        Assert.Equal(9, aggregator.FishForMessage<SweepCompleted>(_ => true).Trials);
    }

    [Fact]
    public void A_trial_without_progress_past_its_deadline_is_handed_to_another_worker_and_a_late_result_counts_once()
    {
        var (coordinator, aggregator) = Start(trialTimeout: 0.5);
        var (slow, fast) = (CreateTestProbe(), CreateTestProbe());
        coordinator.Tell(new RequestTrial("slow", Fingerprint), slow);
        var trial = slow.ExpectMsg<AssignTrial>();

        Assert.Equal(trial.Trial, aggregator.FishForMessage<TrialRequeued>(_ => true, TimeSpan.FromSeconds(5)).Trial);
        coordinator.Tell(new RequestTrial("fast", Fingerprint), fast);
        var retry = fast.ExpectMsg<AssignTrial>();
        Assert.Equal((trial.Trial, 2), (retry.Trial, retry.Attempt));

        // The slow node comes back with its result first; the second result is ignored.
        coordinator.Tell(new TrialFinished(trial.Trial, 1, "slow", Completed(0.45)), slow);
        coordinator.Tell(new TrialFinished(trial.Trial, 2, "fast", Completed(0.45)), fast);
        var recorded = aggregator.FishForMessage<TrialRecorded>(_ => true);
        Assert.Equal("slow", recorded.Node);
        aggregator.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void A_trial_that_fails_every_attempt_ends_failed_after_the_cap()
    {
        var (coordinator, aggregator) = Start(maxAttempts: 2);
        var worker = CreateTestProbe();
        var failed = new TrialOutcome(TrialStatus.Failed, double.NaN, double.NaN, double.NaN, double.NaN, 0, 0, null, "boom", []);
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            coordinator.Tell(new RequestTrial("node-a", Fingerprint), worker);
            var trial = worker.ExpectMsg<AssignTrial>();
            Assert.Equal((1, attempt), (trial.Trial, trial.Attempt));
            coordinator.Tell(new TrialFinished(1, attempt, "node-a", failed), worker);
        }

        var recorded = aggregator.FishForMessage<TrialRecorded>(_ => true);
        Assert.Equal((1, 2, TrialStatus.Failed, "boom"), (recorded.Trial, recorded.Attempts, recorded.Outcome.Status, recorded.Outcome.Error));
    }

    [Fact]
    public void A_trial_that_takes_its_worker_down_every_time_ends_failed_at_the_cap()
    {
        var (coordinator, aggregator) = Start(maxAttempts: 2);
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            var doomed = CreateTestProbe();
            coordinator.Tell(new RequestTrial($"node-{attempt}", Fingerprint), doomed);
            Assert.Equal((1, attempt), (doomed.ExpectMsg<AssignTrial>().Trial, attempt));
            Sys.Stop(doomed.Ref);
            if (attempt == 1) aggregator.FishForMessage<TrialRequeued>(_ => true);
        }

        var recorded = aggregator.FishForMessage<TrialRecorded>(_ => true);
        Assert.Equal((1, TrialStatus.Failed), (recorded.Trial, recorded.Outcome.Status));
        Assert.Contains("gave up after 2 attempts", recorded.Outcome.Error);
    }

    [Fact]
    public void A_worker_with_other_data_is_refused()
    {
        var (coordinator, _) = Start();
        var stranger = CreateTestProbe();

        coordinator.Tell(new RequestTrial("node-x", "other"), stranger);

        Assert.Contains("differs from the sweep's abc", stranger.ExpectMsg<WorkerRejected>().Reason);
    }
}
