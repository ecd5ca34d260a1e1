using Akka.Actor;
using Akka.TestKit.Xunit2;
using Assignment3.Core.Data;
using Assignment3.Experiments.Sweeps;
using Assignment3.Sweeps.Actors;
using Assignment3.Sweeps.Hosting;
using Assignment3.Sweeps.Protocol;

namespace Assignment3.Tests.Sweeps;

public class CoordinatorTests() : TestKit(Akka.Configuration.ConfigurationFactory.ParseString("akka.actor.provider = local\na3.sweep.max-handouts = 4")
    .WithFallback(SweepNode.Configuration("127.0.0.1", 0, [], [])))
{
    private const string Fingerprint = "abc";

    private (IActorRef Coordinator, Akka.TestKit.TestProbe Aggregator) Start(double trialTimeout = 1800, int maxAttempts = 3, IReadOnlyList<SweepEvent>? history = null,
        ISweepJournal? journal = null)
    {
        var aggregator = CreateTestProbe();
        var sweep = SweepConfigs.Small(trialTimeout, maxAttempts);
        var coordinator = Sys.ActorOf(CoordinatorActor.Props(SweepState.Replay(sweep, history ?? []), aggregator.Ref, new DataOptions(), Fingerprint, journal));
        return (coordinator, aggregator);
    }

    /// <summary>A journal whose disk fills up after <paramref name="writes"/> events.</summary>
    private sealed class FillingJournal(int writes) : ISweepJournal
    {
        private int written;

        public void Append(SweepEvent e, byte[]? checkpoint = null)
        {
            if (++written > writes) throw new Assignment3.Storage.StoreException("sweep.db: cannot write the sweep's next event (disk full)");
        }

        public byte[]? Checkpoint(int trial) => null;
    }

    [Fact]
    public void When_the_journal_cannot_be_written_the_sweep_stops_its_running_trials_are_cancelled_and_nothing_is_applied()
    {
        var (coordinator, aggregator) = Start(journal: new FillingJournal(writes: 2));
        var (first, second, third) = (CreateTestProbe(), CreateTestProbe(), CreateTestProbe());
        coordinator.Tell(new RequestTrial("node-a", "slot-1", Fingerprint), first);
        coordinator.Tell(new RequestTrial("node-a", "slot-2", Fingerprint), second);
        var running = first.ExpectMsg<AssignTrial>();
        second.ExpectMsg<AssignTrial>();

        coordinator.Tell(new TrialFinished(running.Trial, running.Attempt, "node-a", Completed(0.5)), first); // the third write fails

        Assert.Contains("disk full", aggregator.FishForMessage<SweepFailed>(_ => true).Cause.Message);
        Assert.Equal(2, second.ExpectMsg<CancelTrial>().Trial);
        aggregator.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // the unwritten result was not applied
        coordinator.Tell(new RequestTrial("node-b", "slot-1", Fingerprint), third);
        third.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // and nothing more is handed out
    }

    private static TrialOutcome Completed(double accuracy, int steps = 10) =>
        new(TrialStatus.Completed, accuracy, double.NaN, accuracy, 1.0, steps, 0.1, null, null, []);

    private static readonly Core.Training.CurvePoint Point = new(5, 0.01, 2, 2, 0.2, 2, 2, 0.2);

    [Fact]
    public void Trials_go_only_to_workers_that_ask_one_each_in_order()
    {
        var (coordinator, _) = Start();
        var (first, second) = (CreateTestProbe(), CreateTestProbe());

        coordinator.Tell(new RequestTrial("node-a", "slot-1", Fingerprint), first);
        coordinator.Tell(new RequestTrial("node-b", "slot-1", Fingerprint), second);

        Assert.Equal(1, first.ExpectMsg<AssignTrial>().Trial);
        Assert.Equal(2, second.ExpectMsg<AssignTrial>().Trial);
        first.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // nothing is pushed without a request
    }

    [Fact]
    public void A_joining_node_is_told_the_sweeps_data_options_and_fingerprint()
    {
        var (coordinator, _) = Start();

        coordinator.Tell(new JoinSweep("node-a"), TestActor);

        Assert.Equal(new SweepData(new DataOptions(), Fingerprint), ExpectMsg<SweepData>());
    }

    [Fact]
    public void A_worker_that_stops_mid_trial_gets_its_trial_requeued_for_the_next_worker()
    {
        var (coordinator, aggregator) = Start();
        var doomed = CreateTestProbe();
        coordinator.Tell(new RequestTrial("node-a", "slot-1", Fingerprint), doomed);
        var lost = doomed.ExpectMsg<AssignTrial>();

        Sys.Stop(doomed.Ref);

        var requeued = aggregator.FishForMessage<TrialRequeued>(_ => true);
        Assert.Equal(lost.Trial, requeued.Trial);
        var next = CreateTestProbe();
        coordinator.Tell(new RequestTrial("node-b", "slot-1", Fingerprint), next);
        var again = next.ExpectMsg<AssignTrial>();
        Assert.Equal(lost.Trial, again.Trial);
        Assert.Equal(2, again.Attempt);
    }

    [Fact]
    public void A_second_result_for_a_trial_is_ignored()
    {
        var (coordinator, aggregator) = Start();
        var worker = CreateTestProbe();
        coordinator.Tell(new RequestTrial("node-a", "slot-1", Fingerprint), worker);
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
            coordinator.Tell(new RequestTrial("node-a", "slot-1", Fingerprint), worker);
            var trial = worker.ExpectMsg<AssignTrial>();
            // Trial 5 (batch norm with lambda 1e-3: batch norm varies slowest in planning order) is the best.
            coordinator.Tell(new TrialFinished(trial.Trial, trial.Attempt, "node-a", Completed(trial.Trial == 5 ? 0.6 : 0.4)), worker);
        }

        Assert.Equal("fine", aggregator.FishForMessage<StageOpened>(_ => true).Stage);
        var fine = Enumerable.Range(0, 3).Select(_ =>
        {
            coordinator.Tell(new RequestTrial("node-a", "slot-1", Fingerprint), worker);
            return worker.ExpectMsg<AssignTrial>();
        }).ToArray();
        Assert.Equal([7, 8, 9], fine.Select(t => t.Trial));
        Assert.All(fine, t => Assert.True(t.Config.BatchNorm));
        Assert.All(fine, t => Assert.Equal(2, t.Config.Cycles));
        Assert.Equal(1e-3 / Math.Pow(10, 0.25), fine[0].Config.Lambda, 1e-12);
        Assert.Equal(1e-3, fine[1].Config.Lambda, 1e-12);
        Assert.Equal(1e-3 * Math.Pow(10, 0.25), fine[2].Config.Lambda, 1e-12);
    }

    [Fact]
    public void The_sweep_completes_when_every_stage_is_recorded()
    {
        var (coordinator, aggregator) = Start();
        var worker = CreateTestProbe();
        for (var i = 0; i < 9; i++)
        {
            coordinator.Tell(new RequestTrial("node-a", "slot-1", Fingerprint), worker);
            var trial = worker.ExpectMsg<AssignTrial>();
            coordinator.Tell(new TrialFinished(trial.Trial, trial.Attempt, "node-a", Completed(0.5, trial.EndStep)), worker);
        }

        aggregator.FishForMessage<SweepCompleted>(_ => true);
    }

    [Fact]
    public void A_trial_without_progress_past_its_deadline_is_handed_to_another_worker_and_a_late_result_counts_once()
    {
        var (coordinator, aggregator) = Start(trialTimeout: 0.5);
        var (slow, fast) = (CreateTestProbe(), CreateTestProbe());
        coordinator.Tell(new RequestTrial("slow", "slot-1", Fingerprint), slow);
        var trial = slow.ExpectMsg<AssignTrial>();

        var requeued = aggregator.FishForMessage<TrialRequeued>(_ => true, TimeSpan.FromSeconds(5));
        Assert.Equal((trial.Trial, true), (requeued.Trial, requeued.Charged)); // silence on a live node is the trial's own
        coordinator.Tell(new RequestTrial("fast", "slot-1", Fingerprint), fast);
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
        var failed = TrialOutcome.Failure("boom");
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            coordinator.Tell(new RequestTrial("node-a", "slot-1", Fingerprint), worker);
            var trial = worker.ExpectMsg<AssignTrial>();
            Assert.Equal((1, attempt), (trial.Trial, trial.Attempt));
            coordinator.Tell(new TrialFinished(1, attempt, "node-a", failed), worker);
        }

        var recorded = aggregator.FishForMessage<TrialRecorded>(_ => true);
        Assert.Equal((1, 2, TrialStatus.Failed, "boom"), (recorded.Trial, recorded.Attempt, recorded.Outcome.Status, recorded.Outcome.Error));
    }

    [Fact]
    public void Lost_workers_do_not_use_up_a_trials_attempts_but_a_trial_that_keeps_losing_them_ends_after_max_handouts()
    {
        // a3.sweep.max-handouts is 4 here (see the test kit's config); sweep.max-attempts only 1.
        var (coordinator, aggregator) = Start(maxAttempts: 1);
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            var doomed = CreateTestProbe();
            coordinator.Tell(new RequestTrial($"node-{attempt}", "slot-1", Fingerprint), doomed);
            Assert.Equal((1, attempt), (doomed.ExpectMsg<AssignTrial>().Trial, attempt));
            coordinator.Tell(new TrialProgressed(1, attempt, Point), doomed); // it trained a while, then its worker was lost
            Sys.Stop(doomed.Ref);
            Assert.False(aggregator.FishForMessage<TrialRequeued>(_ => true).Charged);
        }

        // The fifth request finds trial 1 at its hand-out cap: it ends failed, and trial 2 goes out instead.
        var worker = CreateTestProbe();
        coordinator.Tell(new RequestTrial("node-5", "slot-1", Fingerprint), worker);
        var recorded = aggregator.FishForMessage<TrialRecorded>(_ => true);
        Assert.Equal((1, TrialStatus.Failed), (recorded.Trial, recorded.Outcome.Status));
        Assert.Contains("handed out 4 times without finishing", recorded.Outcome.Error);
        var next = worker.ExpectMsg<AssignTrial>();
        Assert.Equal((2, 1), (next.Trial, next.Attempt));
    }

    [Fact]
    public void A_worker_with_other_data_is_refused()
    {
        var (coordinator, _) = Start();
        var stranger = CreateTestProbe();

        coordinator.Tell(new RequestTrial("node-x", "slot-1", "other"), stranger);

        Assert.Contains("differs from the sweep's abc", stranger.ExpectMsg<WorkerRejected>().Reason);
    }

    [Fact]
    public void Resumed_from_its_events_it_hands_out_only_what_was_not_recorded_and_requeues_what_was_running()
    {
        // Trials 1 and 2 recorded, 3 running when the earlier coordinator stopped.
        var history = new SweepEvent[]
        {
            new TrialStarted(1, 1, "a", "slot-1", 0, 10), new TrialRecorded(1, 1, "a", Completed(0.4)),
            new TrialStarted(2, 1, "a", "slot-1", 0, 10), new TrialRecorded(2, 1, "a", Completed(0.4)),
            new TrialStarted(3, 1, "a", "slot-1", 0, 10),
        };
        var (coordinator, aggregator) = Start(history: history);

        var requeued = aggregator.FishForMessage<TrialRequeued>(_ => true);
        Assert.Equal((3, false), (requeued.Trial, requeued.Charged));
        var worker = CreateTestProbe();
        var handed = Enumerable.Range(0, 4).Select(_ =>
        {
            coordinator.Tell(new RequestTrial("b", "slot-1", Fingerprint), worker);
            var t = worker.ExpectMsg<AssignTrial>();
            coordinator.Tell(new TrialFinished(t.Trial, t.Attempt, "b", Completed(0.5)), worker);
            return (t.Trial, t.Attempt);
        }).ToArray();
        Assert.Equal([(3, 2), (4, 1), (5, 1), (6, 1)], handed);
    }
}
