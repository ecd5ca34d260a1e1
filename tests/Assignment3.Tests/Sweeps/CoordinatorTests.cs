using Akka.Actor;
using Akka.TestKit.Xunit2;
using Assignment3.Core.Data;
using Assignment3.Experiments.Sweeps;
using Assignment3.Sweeps.Actors;
using Assignment3.Sweeps.Hosting;
using Assignment3.Sweeps.Protocol;

namespace Assignment3.Tests.Sweeps;

public class CoordinatorTests() : TestKit(ActorTestConfig.Local("a3.sweep.max-handouts = 4"))
{
    private const string Fingerprint = "abc";

    private (IActorRef Coordinator, Akka.TestKit.TestProbe Aggregator) Start(
        double trialTimeout = 1800,
        int maxAttempts = 3,
        IReadOnlyList<SweepEvent>? history = null,
        ISweepJournal? journal = null
    )
    {
        var aggregator = CreateTestProbe();
        var sweep = SweepConfigs.Small(trialTimeout, maxAttempts);
        var coordinator = Sys.ActorOf(
            CoordinatorActor.Props(
                SweepState.Replay(sweep, history ?? []),
                aggregator.Ref,
                new DataOptions(),
                Fingerprint,
                journal
            )
        );
        return (coordinator, aggregator);
    }

    /// <summary>A journal whose disk fills up after <paramref name="writes"/> events.</summary>
    private sealed class FillingJournal(int writes) : ISweepJournal
    {
        private int written;

        public void Append(SweepEvent e, byte[]? checkpoint = null)
        {
            if (++written > writes)
                throw new Assignment3.Storage.StoreException(
                    "sweep.db: cannot write the sweep's next event (disk full)"
                );
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
        var running = first.ExpectTrial();
        second.ExpectTrial();

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

        Assert.Equal(1, first.ExpectTrial().Trial);
        Assert.Equal(2, second.ExpectTrial().Trial);
        first.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // nothing is pushed without a request
    }

    [Fact]
    public void A_joining_node_is_told_the_sweeps_data_options_and_fingerprint()
    {
        var (coordinator, _) = Start();

        coordinator.Tell(new JoinSweep("node-a"), TestActor);

        Assert.Equal(new SweepData(new DataOptions(), Fingerprint, GroupsAuto: true), ExpectMsg<SweepData>());
    }

    [Fact]
    public void A_worker_that_stops_mid_trial_gets_its_trial_requeued_for_the_next_worker()
    {
        var (coordinator, aggregator) = Start();
        var doomed = CreateTestProbe();
        coordinator.Tell(new RequestTrial("node-a", "slot-1", Fingerprint), doomed);
        var lost = doomed.ExpectTrial();

        Sys.Stop(doomed.Ref);

        var requeued = aggregator.FishForMessage<TrialRequeued>(_ => true);
        Assert.Equal(lost.Trial, requeued.Trial);
        var next = CreateTestProbe();
        coordinator.Tell(new RequestTrial("node-b", "slot-1", Fingerprint), next);
        var again = next.ExpectTrial();
        Assert.Equal(lost.Trial, again.Trial);
        Assert.Equal(2, again.Attempt);
    }

    [Fact]
    public void A_second_result_for_a_trial_is_ignored()
    {
        var (coordinator, aggregator) = Start();
        var worker = CreateTestProbe();
        coordinator.Tell(new RequestTrial("node-a", "slot-1", Fingerprint), worker);
        var trial = worker.ExpectTrial();

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
            var trial = worker.ExpectTrial();
            // Trial 5 (batch norm with lambda 1e-3: batch norm varies slowest in planning order) is the best.
            coordinator.Tell(
                new TrialFinished(trial.Trial, trial.Attempt, "node-a", Completed(trial.Trial == 5 ? 0.6 : 0.4)),
                worker
            );
        }

        Assert.Equal("fine", aggregator.FishForMessage<StageOpened>(_ => true).Stage);
        var fine = Enumerable
            .Range(0, 3)
            .Select(_ =>
            {
                coordinator.Tell(new RequestTrial("node-a", "slot-1", Fingerprint), worker);
                return worker.ExpectTrial();
            })
            .ToArray();
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
            var trial = worker.ExpectTrial();
            coordinator.Tell(
                new TrialFinished(trial.Trial, trial.Attempt, "node-a", Completed(0.5, trial.EndStep)),
                worker
            );
        }

        aggregator.FishForMessage<SweepCompleted>(_ => true);
    }

    [Fact]
    public void A_trial_without_progress_past_its_deadline_is_handed_to_another_worker_and_a_late_result_counts_once()
    {
        var (coordinator, aggregator) = Start(trialTimeout: 0.5);
        var (slow, fast) = (CreateTestProbe(), CreateTestProbe());
        coordinator.Tell(new RequestTrial("slow", "slot-1", Fingerprint), slow);
        var trial = slow.ExpectTrial();

        var requeued = aggregator.FishForMessage<TrialRequeued>(_ => true, TimeSpan.FromSeconds(5));
        Assert.Equal((trial.Trial, true), (requeued.Trial, requeued.Charged)); // silence on a live node is the trial's own
        coordinator.Tell(new RequestTrial("fast", "slot-1", Fingerprint), fast);
        var retry = fast.ExpectTrial();
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
            var trial = worker.ExpectTrial();
            Assert.Equal((1, attempt), (trial.Trial, trial.Attempt));
            coordinator.Tell(new TrialFinished(1, attempt, "node-a", failed), worker);
        }

        var recorded = aggregator.FishForMessage<TrialRecorded>(_ => true);
        Assert.Equal(
            (1, 2, TrialStatus.Failed, "boom"),
            (recorded.Trial, recorded.Attempt, recorded.Outcome.Status, recorded.Outcome.Error)
        );
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
            Assert.Equal((1, attempt), (doomed.ExpectTrial().Trial, attempt));
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
        var next = worker.ExpectTrial();
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
            new TrialStarted(1, 1, "a", "slot-1", 0, 10),
            new TrialRecorded(1, 1, "a", Completed(0.4)),
            new TrialStarted(2, 1, "a", "slot-1", 0, 10),
            new TrialRecorded(2, 1, "a", Completed(0.4)),
            new TrialStarted(3, 1, "a", "slot-1", 0, 10),
        };
        var (coordinator, aggregator) = Start(history: history);

        var requeued = aggregator.FishForMessage<TrialRequeued>(_ => true);
        Assert.Equal((3, false), (requeued.Trial, requeued.Charged));
        var worker = CreateTestProbe();
        var handed = Enumerable
            .Range(0, 4)
            .Select(_ =>
            {
                coordinator.Tell(new RequestTrial("b", "slot-1", Fingerprint), worker);
                var t = worker.ExpectTrial();
                coordinator.Tell(new TrialFinished(t.Trial, t.Attempt, "b", Completed(0.5)), worker);
                return (t.Trial, t.Attempt);
            })
            .ToArray();
        Assert.Equal([(3, 2), (4, 1), (5, 1), (6, 1)], handed);
    }
}

/// <summary>The edge cases of hand-outs: stale and late results, busy workers, re-entrant serving.</summary>
public class CoordinatorHandOutTests() : TestKit(ActorTestConfig.Local("a3.sweep.max-handouts = 2"))
{
    private const string Fingerprint = "abc";

    private (IActorRef Coordinator, Akka.TestKit.TestProbe Aggregator) Start(
        double trialTimeout = 1800,
        int maxAttempts = 3,
        ISweepJournal? journal = null,
        Func<TimeSpan>? clock = null
    )
    {
        var aggregator = CreateTestProbe();
        var state = SweepState.Replay(SweepConfigs.Small(trialTimeout, maxAttempts), []);
        return (
            Sys.ActorOf(CoordinatorActor.Props(state, aggregator.Ref, new DataOptions(), Fingerprint, journal, clock)),
            aggregator
        );
    }

    private static TrialOutcome Completed(double accuracy) =>
        new(TrialStatus.Completed, accuracy, double.NaN, accuracy, 1.0, 10, 0.1, null, null, []);

    private AssignTrial Ask(IActorRef coordinator, Akka.TestKit.TestProbe worker, string node)
    {
        coordinator.Tell(new RequestTrial(node, "slot-1", Fingerprint), worker);
        return worker.ExpectTrial();
    }

    [Fact]
    public void A_stale_failure_does_not_close_a_trial_that_trains_elsewhere_even_with_one_attempt_allowed()
    {
        var (coordinator, aggregator) = Start(maxAttempts: 1);
        var (lost, other) = (CreateTestProbe(), CreateTestProbe());
        var first = Ask(coordinator, lost, "node-a");
        Sys.Stop(lost.Ref); // its node is lost: the trial goes out again, uncharged
        aggregator.FishForMessage<TrialRequeued>(_ => true);
        var second = Ask(coordinator, other, "node-b");
        Assert.Equal((first.Trial, 2), (second.Trial, second.Attempt));

        // The first attempt's failure arrives late (its node was only cut off), while attempt 2 trains fine.
        coordinator.Tell(
            new TrialFinished(first.Trial, 1, "node-a", TrialOutcome.Failure("out of memory")),
            CreateTestProbe()
        );
        coordinator.Tell(new TrialFinished(first.Trial, 2, "node-b", Completed(0.6)), other);

        var recorded = aggregator.FishForMessage<TrialRecorded>(_ => true);
        Assert.Equal(
            (first.Trial, 2, TrialStatus.Completed),
            (recorded.Trial, recorded.Attempt, recorded.Outcome.Status)
        );
    }

    [Fact]
    public void A_late_result_that_is_recorded_cancels_the_attempt_still_running()
    {
        // The coordinator's clock moves only when the test moves it: the first hand-out's deadline passes, and
        // the second's cannot (with a real 0.3 s deadline, a loaded machine let the retry time out too).
        long ticks = 0;
        var (coordinator, aggregator) = Start(trialTimeout: 60, clock: () =>
            TimeSpan.FromTicks(Interlocked.Read(ref ticks))
        );
        var (slow, fast) = (CreateTestProbe(), CreateTestProbe());
        var trial = Ask(coordinator, slow, "slow");
        Interlocked.Add(ref ticks, TimeSpan.FromSeconds(61).Ticks);
        Assert.True(aggregator.FishForMessage<TrialRequeued>(_ => true, TimeSpan.FromSeconds(10)).Charged);
        var retry = Ask(coordinator, fast, "fast");

        coordinator.Tell(new TrialFinished(trial.Trial, 1, "slow", Completed(0.45)), slow);

        Assert.Equal(1, aggregator.FishForMessage<TrialRecorded>(_ => true).Attempt);
        Assert.Equal(new CancelTrial(retry.Trial, 2), fast.ExpectMsg<CancelTrial>());
    }

    [Fact]
    public void A_worker_that_declines_because_it_is_busy_costs_the_trial_no_attempt()
    {
        var (coordinator, aggregator) = Start(maxAttempts: 1);
        var busy = CreateTestProbe();
        var trial = Ask(coordinator, busy, "node-a");

        coordinator.Tell(new TrialDeclined(trial.Trial, trial.Attempt, "node-a", "slot-1 is training trial 9"), busy);

        var requeued = aggregator.FishForMessage<TrialRequeued>(_ => true);
        Assert.Equal((trial.Trial, false), (requeued.Trial, requeued.Charged));
        var next = Ask(coordinator, CreateTestProbe(), "node-b");
        Assert.Equal((trial.Trial, 2), (next.Trial, next.Attempt)); // not failed: max-attempts is 1, and none was charged
    }

    [Fact]
    public void Slots_waiting_while_a_trial_reaches_its_hand_out_cap_are_all_served()
    {
        // a3.sweep.max-handouts is 2: trial 1, lost twice, is at its cap when the next slots ask.
        var (coordinator, aggregator) = Start();
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            var doomed = CreateTestProbe();
            Ask(coordinator, doomed, $"node-{attempt}");
            Sys.Stop(doomed.Ref);
            aggregator.FishForMessage<TrialRequeued>(_ => true);
        }
        var (a, b) = (CreateTestProbe(), CreateTestProbe());
        coordinator.Tell(new RequestTrial("node-a", "slot-1", Fingerprint), a);
        coordinator.Tell(new RequestTrial("node-b", "slot-1", Fingerprint), b);

        Assert.Equal(1, aggregator.FishForMessage<TrialRecorded>(_ => true).Trial);
        Assert.Equal([2, 3], new[] { a.ExpectTrial().Trial, b.ExpectTrial().Trial }.Order());
    }
}

/// <summary>An event is checked, then written, then applied: the store never holds one its state refuses.</summary>
public class CommitOrderTests() : TestKit(ActorTestConfig.Local())
{
    private sealed class RecordingJournal : ISweepJournal
    {
        public readonly System.Collections.Concurrent.ConcurrentQueue<SweepEvent> Events = new();

        public void Append(SweepEvent e, byte[]? checkpoint = null) => Events.Enqueue(e);

        public byte[]? Checkpoint(int trial) => null;
    }

    [Fact]
    public void An_event_the_state_refuses_is_not_written_and_the_sweep_stops_saying_why()
    {
        var (aggregator, journal, worker) = (CreateTestProbe(), new RecordingJournal(), CreateTestProbe());
        var state = SweepState.Replay(SweepConfigs.Small(), []);
        var coordinator = Sys.ActorOf(CoordinatorActor.Props(state, aggregator.Ref, new DataOptions(), "abc", journal));
        coordinator.Tell(new RequestTrial("node-a", "slot-1", "abc"), worker);
        var trial = worker.ExpectTrial();
        aggregator.FishForMessage<TrialStarted>(_ => true);
        // The state and the coordinator's view part (as a bug would make them): the trial is queued again.
        state.Apply(new TrialRequeued(trial.Trial, trial.Attempt, "test", Charged: false));

        coordinator.Tell(new CheckpointTaken(trial.Trial, trial.Attempt, 5, [1], [], 1.0), worker);

        Assert.Contains(
            "TrialCheckpointed is not allowed",
            aggregator.FishForMessage<SweepFailed>(_ => true).Cause.Message
        );
        Assert.DoesNotContain(journal.Events, e => e is TrialCheckpointed);
    }

    private sealed class ThreadRecordingJournal : ISweepJournal
    {
        public readonly System.Collections.Concurrent.ConcurrentQueue<(int Thread, bool Pooled)> Threads = new();

        public void Append(SweepEvent e, byte[]? checkpoint = null) =>
            Threads.Enqueue((Environment.CurrentManagedThreadId, Thread.CurrentThread.IsThreadPoolThread));

        public byte[]? Checkpoint(int trial) => null;
    }

    [Fact]
    public void The_coordinator_writes_its_store_on_a_thread_of_its_own_not_on_the_shared_pool()
    {
        var (aggregator, journal, worker) = (CreateTestProbe(), new ThreadRecordingJournal(), CreateTestProbe());
        var coordinator = Sys.ActorOf(
            CoordinatorActor.Props(
                SweepState.Replay(SweepConfigs.Small(), []),
                aggregator.Ref,
                new DataOptions(),
                "abc",
                journal
            )
        );
        for (var i = 0; i < 3; i++)
        {
            coordinator.Tell(new RequestTrial("node-a", "slot-1", "abc"), worker);
            var trial = worker.ExpectTrial();
            coordinator.Tell(
                new TrialFinished(trial.Trial, trial.Attempt, "node-a", TrialOutcome.Failure("x")),
                worker
            );
        }
        AwaitCondition(() => journal.Threads.Count >= 6);

        Assert.Single(journal.Threads.Distinct());
        Assert.False(journal.Threads.First().Pooled);
    }

    [Fact]
    public void A_refused_event_changes_nothing_in_the_state()
    {
        var state = SweepState.Replay(SweepConfigs.Small(), []);
        var total = state.Plan(1).Config.TotalSteps;

        Assert.Throws<InvalidSweepEventException>(() =>
            state.Apply(new TrialStarted(1, 1, "a", "slot-1", 0, total + 1))
        );

        Assert.Null(state.Find(1));
        Assert.Equal(new WorkItem(1, 0, total), state.NextWork()); // trial 1 is still the next to go out, from scratch
        state.Apply(new TrialStarted(1, 1, "a", "slot-1", 0, total));
        Assert.Equal(TrialPhase.Running, state.Find(1)!.Phase);
    }
}

/// <summary>Deadlines run on a monotonic clock the coordinator is given: a test moves it; a step of the wall clock does not.</summary>
public class CoordinatorClockTests() : TestKit(ActorTestConfig.Local("a3.sweep.deadline-check-interval = 50ms"))
{
    [Fact]
    public void A_trial_is_past_its_deadline_when_the_monotonic_clock_says_so_whatever_the_wall_clock_does()
    {
        var aggregator = CreateTestProbe();
        long ticks = TimeSpan.FromHours(1).Ticks;
        var state = SweepState.Replay(SweepConfigs.Small(trialTimeout: 60), []);
        var coordinator = Sys.ActorOf(
            CoordinatorActor.Props(state, aggregator.Ref, new DataOptions(), "abc", clock: () =>
                TimeSpan.FromTicks(Interlocked.Read(ref ticks))
            )
        );
        var worker = CreateTestProbe();
        coordinator.Tell(new RequestTrial("node-a", "slot-1", "abc"), worker);
        // Generous bounds (each wait ends when the message comes): the suite's process tests load both cores.
        var trial = worker.ExpectTrial();
        aggregator.FishForMessage<TrialStarted>(_ => true);

        Interlocked.Add(ref ticks, TimeSpan.FromSeconds(59).Ticks);
        aggregator.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // several deadline checks, none past the deadline
        Interlocked.Add(ref ticks, TimeSpan.FromSeconds(2).Ticks);

        var requeued = aggregator.FishForMessage<TrialRequeued>(_ => true);
        Assert.Equal((trial.Trial, true), (requeued.Trial, requeued.Charged));
    }
}
