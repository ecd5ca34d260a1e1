using Akka.Actor;
using Akka.Event;
using Assignment3.Experiments.Sweeps;
using Assignment3.Sweeps.Hosting;
using Assignment3.Sweeps.Protocol;

namespace Assignment3.Sweeps.Actors;

/// <summary>
/// Expands the sweep into trials stage by stage and hands them to workers that ask (work pulling).
/// Tracks every trial handed out with a deadline that each recording point pushes back; a trial
/// whose worker dies or goes quiet returns to the queue, up to the attempt cap. Every trial is
/// recorded exactly once: results that arrive after that are ignored. Every state change goes to
/// the journal before anything acts on it, so an interrupted sweep can be resumed from it.
/// </summary>
public sealed class CoordinatorActor : ReceiveActor, IWithTimers
{
    private sealed record InFlight(IActorRef Worker, int Attempt, string Node, DateTime Deadline);
    private sealed record CheckDeadlines;

    private readonly SweepConfig sweep;
    private readonly IActorRef aggregator;
    private readonly string fingerprint;
    private readonly ISweepJournal journal;
    private readonly ResumeState? resume;
    private readonly TimeSpan trialTimeout;
    private readonly ILoggingAdapter log = Context.GetLogger();

    private readonly Dictionary<int, PlannedTrial> planned = new();
    private readonly LinkedList<int> queue = new();
    private readonly Dictionary<int, LinkedListNode<int>> queued = new();
    private readonly Dictionary<int, InFlight> inFlight = new();
    private readonly Dictionary<int, int> attempts = new();
    private readonly Dictionary<int, TrialOutcome> recorded = new();
    private readonly List<(IActorRef Worker, string Node)> idle = new();
    private int stageRemaining;
    private int stageIndex;

    public ITimerScheduler Timers { get; set; } = null!;

    public CoordinatorActor(SweepConfig sweep, IActorRef aggregator, string fingerprint, ISweepJournal journal, ResumeState? resume,
        TimeSpan? deadlineCheckInterval)
    {
        this.sweep = sweep;
        this.aggregator = aggregator;
        this.fingerprint = fingerprint;
        this.journal = journal;
        this.resume = resume;
        trialTimeout = TimeSpan.FromSeconds(sweep.TrialTimeoutSeconds);
        var checkEvery = deadlineCheckInterval ?? TimeSpan.FromSeconds(Math.Clamp(sweep.TrialTimeoutSeconds / 10, 0.2, 5));

        Receive<RequestTrial>(OnRequest);
        Receive<TrialProgressed>(OnProgress);
        Receive<TrialFinished>(OnFinished);
        Receive<Terminated>(t => OnWorkerLost(t.ActorRef));
        Receive<CheckDeadlines>(_ => OnCheckDeadlines());
        Timers.StartPeriodicTimer("deadlines", new CheckDeadlines(), checkEvery);
    }

    protected override void PreStart()
    {
        if (resume is null) PlanStage(SweepPlanner.FirstStage(sweep));
        else Restore(resume);
    }

    /// <summary>
    /// Re-plans the stages the journal lists (planning is deterministic, so ids and seeds match),
    /// takes back the recorded results and hand-out counts, and queues what is left of the last stage.
    /// </summary>
    private void Restore(ResumeState state)
    {
        foreach (var (trial, (trialAttempts, _, outcome)) in state.Recorded) recorded[trial] = outcome;
        foreach (var (trial, count) in state.Attempts) attempts[trial] = count;
        IReadOnlyList<PlannedTrial> trials = SweepPlanner.FirstStage(sweep);
        for (stageIndex = 0; ; stageIndex++)
        {
            foreach (var trial in trials) planned[trial.Id] = trial;
            aggregator.Tell(new StagePlanned(trials[0].Stage, trials));
            foreach (var trial in trials.Where(t => recorded.ContainsKey(t.Id)))
            {
                var (trialAttempts, node, outcome) = state.Recorded[trial.Id];
                aggregator.Tell(new TrialRecorded(trial.Id, trialAttempts, node, outcome));
            }
            if (stageIndex + 1 >= state.Stages.Count) break;
            trials = SweepPlanner.NextStage(sweep, stageIndex + 1, Results(), planned.Count + 1);
        }
        var open = trials.Where(t => !recorded.ContainsKey(t.Id)).ToArray();
        foreach (var trial in open) queued[trial.Id] = queue.AddLast(trial.Id);
        stageRemaining = open.Length;
        log.Info("Resumed at stage {0}: {1} trials recorded, {2} to run", trials[0].Stage, recorded.Count, open.Length);
        if (stageRemaining == 0) NextStage();
    }

    private StageResult[] Results() => planned.Values.Select(t => new StageResult(t,
        recorded.TryGetValue(t.Id, out var o) && o.Status == TrialStatus.Completed ? o.ValidationAccuracy : null)).ToArray();

    private void OnRequest(RequestTrial request)
    {
        if (request.DataFingerprint != fingerprint)
        {
            log.Warning("Refusing worker {0} on {1}: its data fingerprint {2} differs from the sweep's {3}",
                Sender.Path, request.Node, request.DataFingerprint, fingerprint);
            Sender.Tell(new WorkerRejected($"data fingerprint {request.DataFingerprint} differs from the sweep's {fingerprint}; point the worker at the same CIFAR-10 copy"));
            return;
        }
        Context.Watch(Sender);
        if (queue.Count > 0) Assign(Sender, request.Node);
        else if (!idle.Any(w => w.Worker.Equals(Sender))) idle.Add((Sender, request.Node));
    }

    private void Assign(IActorRef worker, string node)
    {
        var trial = queue.First!.Value;
        queue.RemoveFirst();
        queued.Remove(trial);
        var attempt = attempts[trial] = attempts.GetValueOrDefault(trial) + 1;
        journal.TrialStarted(trial, attempt, node);
        inFlight[trial] = new InFlight(worker, attempt, node, DateTime.UtcNow + trialTimeout);
        worker.Tell(new AssignTrial(trial, attempt, planned[trial].Config, sweep.TestAccuracy));
        aggregator.Tell(new TrialStarted(trial, attempt, node));
    }

    private void OnProgress(TrialProgressed progress)
    {
        if (!inFlight.TryGetValue(progress.Trial, out var flight) || flight.Attempt != progress.Attempt) return;
        inFlight[progress.Trial] = flight with { Deadline = DateTime.UtcNow + trialTimeout };
        aggregator.Tell(progress);
    }

    private void OnFinished(TrialFinished finished)
    {
        if (recorded.ContainsKey(finished.Trial) || !planned.ContainsKey(finished.Trial))
        {
            log.Info("Ignoring a second result for trial {0} (attempt {1}, from {2})", finished.Trial, finished.Attempt, finished.Node);
            return;
        }
        if (finished.Outcome.Status == TrialStatus.Failed && attempts[finished.Trial] < sweep.MaxAttempts)
        {
            if (inFlight.TryGetValue(finished.Trial, out var flight) && flight.Attempt == finished.Attempt)
                Requeue(finished.Trial, $"failed on {finished.Node}: {finished.Outcome.Error}");
            return;
        }
        Record(finished.Trial, finished.Node, finished.Outcome);
    }

    private void OnWorkerLost(IActorRef worker)
    {
        idle.RemoveAll(w => w.Worker.Equals(worker));
        foreach (var (trial, flight) in inFlight.Where(f => f.Value.Worker.Equals(worker)).ToArray())
            Lose(trial, $"worker {worker.Path} on {flight.Node} was lost");
    }

    private void OnCheckDeadlines()
    {
        var now = DateTime.UtcNow;
        foreach (var (trial, flight) in inFlight.Where(f => f.Value.Deadline < now).ToArray())
            Lose(trial, $"no progress from {flight.Node} for {trialTimeout.TotalSeconds:F0} s");
    }

    /// <summary>A trial whose worker is gone or silent: back to the queue, or failed once the attempts are used up.</summary>
    private void Lose(int trial, string reason)
    {
        log.Warning("Trial {0}: {1}", trial, reason);
        if (attempts[trial] >= sweep.MaxAttempts)
        {
            var node = inFlight[trial].Node;
            Record(trial, node, new TrialOutcome(TrialStatus.Failed, double.NaN, double.NaN, double.NaN, double.NaN, 0, 0, null,
                $"gave up after {attempts[trial]} attempts; last: {reason}", []));
        }
        else Requeue(trial, reason);
    }

    private void Requeue(int trial, string reason)
    {
        inFlight.Remove(trial);
        queued[trial] = queue.AddFirst(trial); // it has waited longest
        aggregator.Tell(new TrialRequeued(trial, attempts[trial], reason));
        ServeIdle();
    }

    private void Record(int trial, string node, TrialOutcome outcome)
    {
        journal.TrialRecorded(trial, attempts.GetValueOrDefault(trial), node, outcome);
        recorded[trial] = outcome;
        inFlight.Remove(trial);
        if (queued.Remove(trial, out var waiting)) queue.Remove(waiting);
        aggregator.Tell(new TrialRecorded(trial, attempts.GetValueOrDefault(trial), node, outcome));
        if (--stageRemaining == 0) NextStage();
    }

    private void NextStage()
    {
        while (stageIndex < sweep.Stages.Count)
        {
            stageIndex++;
            var trials = SweepPlanner.NextStage(sweep, stageIndex, Results(), planned.Count + 1);
            if (trials.Count == 0)
            {
                log.Warning("Stage {0} has no trials: its source stage {1} completed none", sweep.Stages[stageIndex - 1].Name, sweep.Stages[stageIndex - 1].From);
                continue;
            }
            PlanStage(trials);
            return;
        }
        journal.SweepCompleted();
        aggregator.Tell(new SweepCompleted(recorded.Count));
    }

    private void PlanStage(IReadOnlyList<PlannedTrial> trials)
    {
        journal.StagePlanned(trials[0].Stage);
        foreach (var trial in trials)
        {
            planned[trial.Id] = trial;
            queued[trial.Id] = queue.AddLast(trial.Id);
        }
        stageRemaining = trials.Count;
        aggregator.Tell(new StagePlanned(trials[0].Stage, trials));
        ServeIdle();
    }

    private void ServeIdle()
    {
        while (queue.Count > 0 && idle.Count > 0)
        {
            var (worker, node) = idle[0];
            idle.RemoveAt(0);
            Assign(worker, node);
        }
    }

    public static Props Props(SweepConfig sweep, IActorRef aggregator, string fingerprint, ISweepJournal? journal = null,
        ResumeState? resume = null, TimeSpan? deadlineCheckInterval = null)
    {
        var durable = journal ?? NoJournal.Instance;
        return Akka.Actor.Props.Create(() => new CoordinatorActor(sweep, aggregator, fingerprint, durable, resume, deadlineCheckInterval));
    }
}
