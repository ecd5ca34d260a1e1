using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Assignment3.Core.Training;
using Assignment3.Experiments.Sweeps;
using Assignment3.Experiments.Text;
using Assignment3.Storage;
using Assignment3.Storage.Report;
using Assignment3.Sweeps.Hosting;
using Assignment3.Sweeps.Protocol;

namespace Assignment3.Sweeps.Actors;

/// <summary>Asks the aggregator to say <see cref="SweepFinished"/> once every stage is recorded and written (or why it failed).</summary>
public sealed record WatchSweep
{
    public static readonly WatchSweep Instance = new();
}

/// <summary>
/// Keeps its own copy of the sweep's state, changed by the events the coordinator reports, and
/// rewrites the sweep folder from it (trials.csv, stage tables, summary.json, curves; plots at the
/// end) at most every table-flush-interval, and less often when a rewrite takes long (at most
/// outputs-max-share of the time). The writing runs on a background task, one rewrite at a time, so
/// the mailbox never waits for the disk; a write that fails stops the sweep. Publishes snapshots for
/// the live terminal view.
/// </summary>
public sealed class AggregatorActor : ReceiveActor, IWithTimers
{
    private sealed record Flush
    {
        public static readonly Flush Instance = new();
    }

    private sealed record Written(bool Final, TimeSpan? ReportTime);

    private sealed record WriteFailed(Exception Cause);

    private readonly SweepState state;
    private readonly string folder;
    private readonly SweepMonitor monitor;
    private readonly SweepSettings settings;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly List<IActorRef> watchers = new();
    private readonly List<(int Trial, CurvePoint[] Curve)> newCurves = new();
    private readonly List<(string Node, string Reason)> refused = new();
    private bool dirty = true;
    private bool viewDirty = true;
    private bool writing;
    private TimeSpan? reportedAt;
    private TimeSpan reportEvery;
    private TimeSpan writeStartedAt;
    private TimeSpan nextWriteAt;
    private bool curvesMoved; // running trials reached recording points since report.html was last written
    private readonly long stepsAtStart;
    private SweepFinished? finished;
    private Exception? failure;

    public ITimerScheduler Timers { get; set; } = null!;

    public AggregatorActor(SweepState state, string folder, SweepMonitor monitor)
    {
        this.state = state;
        this.folder = folder;
        this.monitor = monitor;
        settings = SweepSettings.Create(Context.System);
        reportEvery = settings.ReportInterval;
        stepsAtStart = state.StepsReached;
        // Curves of trials recorded before a resume are rewritten like the rest of the folder.
        newCurves.AddRange(
            state.Trials.Where(t => t.IsFinal && t.Curve.Count > 0).Select(t => (t.Id, t.Curve.ToArray()))
        );

        Receive<SweepEvent>(e =>
        {
            state.Apply(e);
            viewDirty = true;
            if (e is TrialPointReached)
            {
                curvesMoved = true; // the live view and the report's running curves show it; the other files change with results
                return;
            }
            if (SweepNews.Line(e, state) is { } line)
                monitor.Announce(line);
            if (SweepEvent.EndsTrial(e))
            {
                var trial = state.Find(((ITrialEvent)e).Trial)!;
                if (trial.Curve.Count > 0)
                    newCurves.Add((trial.Id, trial.Curve.ToArray()));
            }
            dirty = true;
        });
        Receive<NodeRefused>(r =>
        {
            refused.RemoveAll(n => n.Node == r.Node);
            refused.Add((r.Node, r.Reason));
            dirty = viewDirty = true;
        });
        Receive<Flush>(_ => WriteIfDue());
        Receive<Written>(w =>
        {
            writing = false;
            // Outputs that take long to write (tens of thousands of trials: every rewrite covers all of
            // them) are written less often: at most outputs-max-share of the time goes to them.
            var took = clock.Elapsed - writeStartedAt;
            nextWriteAt =
                writeStartedAt
                + TimeSpan.FromTicks(
                    Math.Max(settings.TableFlushInterval.Ticks, (long)(took.Ticks / settings.OutputsMaxShare))
                );
            if (w.ReportTime is { } rendering)
                reportEvery = TimeSpan.FromTicks(
                    Math.Max(settings.ReportInterval.Ticks, (long)(rendering.Ticks / settings.OutputsMaxShare))
                );
            if (w.Final)
                Finish();
            else
                WriteIfDue();
        });
        Receive<WriteFailed>(f =>
        {
            writing = false;
            // The coordinator stops dispatching and tells the workers; the watchers learn why.
            Context.ActorSelection($"/user/{SweepNode.CoordinatorName}").Tell(new StopSweep(f.Cause));
            Fail(f.Cause);
        });
        Receive<SweepFailed>(f => Fail(f.Cause));
        // The write task threw something other than a disk problem: a bug. Crash, so the supervisor
        // stops the sweep and says why (left unhandled, no write would ever run again).
        Receive<Status.Failure>(f =>
            throw new InvalidOperationException($"writing the sweep's outputs failed: {f.Cause.Message}", f.Cause)
        );
        Receive<WatchSweep>(_ =>
        {
            if (finished is not null)
                Sender.Tell(finished);
            else if (failure is not null)
                Sender.Tell(new Status.Failure(failure));
            else
                watchers.Add(Sender);
        });
    }

    protected override void PreStart() =>
        Timers.StartPeriodicTimer("flush", Flush.Instance, settings.TableFlushInterval);

    private void WriteIfDue()
    {
        if (viewDirty)
            Publish();
        if (writing || failure is not null || finished is not null)
            return;
        var final = state.Completed;
        if (!dirty && !final && !(curvesMoved && ReportDue))
            return;
        if (!final && clock.Elapsed < nextWriteAt)
            return;
        dirty = false;
        writing = true;
        writeStartedAt = clock.Elapsed;
        var outputs = Outputs(final);
        newCurves.Clear();
        Task.Run(() =>
            {
                try
                {
                    return (object)new Written(final, outputs.Write());
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return new WriteFailed(
                        new IOException(
                            $"cannot write the sweep's outputs ({e.Message}); every result is in its store: "
                                + $"make room (or copy the folder to a writable disk) and run a3 sweep --resume {folder}",
                            e
                        )
                    );
                }
            })
            .PipeTo(Self);
    }

    private SweepOutputs Outputs(bool final)
    {
        var rows = SweepFolder.Rows(state);
        var plots = final
            ? state
                .Trials.Where(t => t.IsFinal && t.Curve.Count > 0)
                .GroupBy(t => t.Plan.Stage)
                .Select(g =>
                    (
                        g.Key,
                        (IReadOnlyList<(string, IReadOnlyList<CurvePoint>)>)
                            g
                            // The best few, trained to the end first: every trial in one plot is a legend nobody can read.
                            .OrderByDescending(t => t.Phase == TrialPhase.Completed)
                                .ThenByDescending(t =>
                                    t.Outcome is { } o && double.IsFinite(o.ValidationAccuracy)
                                        ? o.ValidationAccuracy
                                        : -1
                                )
                                .Take(settings.PlottedTrials)
                                .Select(t => ($"trial {t.Id}: {SweepNews.Describe(t.Plan, state.Config)}", t.Curve))
                                .ToArray()
                    )
                )
                .ToArray()
            : [];
        var rungs = SweepFolder.RungTables(state);
        var fronts = SweepFolder.Fronts(state);
        var run = final ? SweepRunState.Complete : SweepRunState.Running;
        var report =
            final || ReportDue
                ? ReportData.From(state, rows, fronts, folder, run, DateTime.UtcNow) with
                {
                    RefreshSeconds = settings.ReportRefresh.TotalSeconds,
                }
                : null;
        if (report is not null)
            (reportedAt, curvesMoved) = (clock.Elapsed, false);
        return new SweepOutputs(
            folder,
            rows,
            state.Config.Table,
            state.Config.TestAccuracy,
            Summary(rows, fronts.FirstOrDefault(f => f.Stage == SweepFolder.AllStages)),
            newCurves.ToArray(),
            plots,
            rungs,
            report,
            SweepFolder.SearchTables(state),
            fronts
        );
    }

    private bool ReportDue => reportedAt is not { } at || clock.Elapsed - at >= reportEvery;

    private void Finish()
    {
        finished = new SweepFinished(state.Recorded);
        Publish();
        foreach (var watcher in watchers)
            watcher.Tell(finished);
        watchers.Clear();
    }

    private void Fail(Exception cause)
    {
        if (failure is not null || finished is not null)
            return;
        failure = cause;
        foreach (var watcher in watchers)
            watcher.Tell(new Status.Failure(cause));
        watchers.Clear();
    }

    private object Summary(IReadOnlyList<TrialRow> all, SweepFolder.FrontTable? front)
    {
        var best = ReportData.Best(all);
        return new
        {
            name = state.Config.Experiment.Name,
            complete = state.Completed,
            stages = state.Config.StageNames,
            trials = state.Planned,
            completed = all.Count(r => r.Status == TrialPhase.Completed),
            stoppedEarly = all.Count(r => r.Status == TrialPhase.Stopped),
            failed = all.Count(r => r.Status == TrialPhase.Failed),
            diverged = all.Count(r => r.Status == TrialPhase.Diverged),
            // Compute, per stage: cycles trained over all trials against every trial trained to its end.
            compute = state
                .Stages.Select(s =>
                {
                    var trials = state.Trials.Where(t => s.Plan.Contains(t.Id)).ToArray();
                    var trained = trials.Sum(t => (double)t.StepReached / t.Plan.Config.StepsPerCycle);
                    var full = s.Plan.FullCycles;
                    return new
                    {
                        stage = s.Name,
                        policy = s.Schedule.ToString(),
                        trialCycles = Math.Round(trained, 3),
                        fullTrialCycles = full,
                        share = full == 0 ? 0 : Math.Round(trained / full, 4),
                        seconds = Math.Round(trials.Sum(t => t.Seconds), 1),
                    };
                })
                .ToArray(),
            stepsLostToFailures = state.Trials.Sum(t => t.StepsLost),
            best = best is null
                ? null
                : new
                {
                    trial = best.Trial,
                    stage = best.Stage,
                    validationAccuracy = best.ValidationAccuracy,
                    testAccuracy = best.TestAccuracy,
                    parameters = best.Parameters.ToDictionary(p => p.Key, p => p.Value),
                },
            front = front is null
                ? null
                : new
                {
                    objectives = front
                        .Objectives.Select(
                            (o, k) =>
                                new
                                {
                                    metric = o.Metric.Name,
                                    goal = o.Goal,
                                    reference = front.Reference[k],
                                }
                        )
                        .ToArray(),
                    constraints = state.Config.TradeOffs.Constraints.Select(c => c.Text).ToArray(),
                    hypervolume = front.Hypervolume,
                    hypervolumeUnits = "accuracies as they are, counts (parameters, training-flops, seconds) in log10",
                    feasible = front.Feasible,
                    infeasible = front.Infeasible,
                    members = front
                        .Members.Select(m => new
                        {
                            trial = m.Trial,
                            stage = m.Stage,
                            values = front.Objectives.Select((o, k) => (o.Metric.Name, m.Values[k])).ToDictionary(),
                            parameters = m.Parameters.ToDictionary(p => p.Key, p => p.Value),
                        })
                        .ToArray(),
                },
            refused = refused.Select(r => new { node = r.Node, reason = r.Reason }).ToArray(),
            elapsedSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
        };
    }

    /// <summary>
    /// The live view's snapshot, from the state's counts, sets and totals: its cost grows with the
    /// running trials (and a stopping policy's rungs), not with the recorded ones.
    /// </summary>
    private void Publish()
    {
        var stage = state.Current;
        var rungs = !stage.Schedule.StopsEarly
            ? []
            : stage
                .Policy.Rungs(stage, state)
                .Where(r => r.Entering > 0)
                .Select(r =>
                    $"{(r.Bracket > 0 || stage.Policy.BracketOf(stage.Plan.FirstId) is not null ? $"bracket {r.Bracket} " : "")}rung "
                    + $"{r.Rung} ({r.BudgetCycles:0.###} cycles): "
                    + $"{r.Results}/{r.Entering} in, {r.Promoted} promoted, {r.Stopped} stopped"
                    + (r.CutOff is { } c ? $", cut-off {Readable.Number(c)}" : "")
                )
                .ToArray();
        viewDirty = false;
        var eta = Remaining();
        int Ended(TrialPhase phase) => state.Stages.Sum(s => s.FinalIn(phase));
        monitor.Publish(
            new SweepSnapshot(
                state.Current.Name,
                state.Planned,
                Ended(TrialPhase.Completed),
                Ended(TrialPhase.Failed),
                Ended(TrialPhase.Diverged),
                state.Queued,
                state
                    .Stages.SelectMany(s => s.RunningTrials)
                    .Select(id => state.Find(id)!)
                    .Select(t => new RunningTrial(
                        t.Id,
                        t.Node,
                        t.LastPoint?.Step ?? t.CheckpointStep,
                        t.TargetStep,
                        t.Group,
                        SweepNews.Describe(t.Plan, state.Config)
                    ))
                    .ToArray(),
                state.Best is { } best ? (best.Id, best.Outcome!.ValidationAccuracy) : null,
                clock.Elapsed,
                eta,
                finished is not null,
                refused.ToArray()
            )
            {
                Stopped = Ended(TrialPhase.Stopped),
                Paused = state.Paused,
                Rungs = rungs,
            }
        );
    }

    /// <summary>
    /// The current stage's known remaining work (running and promoted trials to their next stop,
    /// fresh ones to their first) at the pace of the steps trained since this process started:
    /// steadier than counting trials, which finish in bursts and, with early stopping, at any length.
    /// Later stages and future promotions are not known yet.
    /// </summary>
    private TimeSpan? Remaining()
    {
        var trained = state.StepsReached - stepsAtStart;
        if (state.Completed || trained <= 0 || clock.Elapsed.TotalSeconds < 1)
            return null;
        var stage = state.Current;
        double Left(Trial t) =>
            t.Phase switch
            {
                TrialPhase.Running => Math.Max(0, t.TargetStep - t.Reached),
                TrialPhase.Queued or TrialPhase.Promoted => stage.Policy.NextStop(t.Plan, t.CheckpointStep)
                    - t.CheckpointStep,
                _ => 0,
            };
        // Trials waiting at a rung have no known work until the policy decides.
        var started = stage.RunningTrials.Concat(stage.Waiting).Concat(stage.Promoted).Sum(id => Left(state.Find(id)!));
        var fresh = stage.Plan.Count - stage.Fresh;
        // Fresh trials go out in id order: the next one stands for the rest (plans may be huge).
        var freshSteps = fresh == 0 ? 0 : (double)fresh * stage.Policy.NextStop(stage.Plan.Trial(stage.FirstNew), 0);
        return TimeSpan.FromSeconds((started + freshSteps) / (trained / clock.Elapsed.TotalSeconds));
    }

    public static Props Props(SweepState state, string folder, SweepMonitor monitor) =>
        Akka.Actor.Props.Create(() => new AggregatorActor(state, folder, monitor));
}
