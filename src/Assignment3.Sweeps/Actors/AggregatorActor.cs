using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Assignment3.Experiments.Sweeps;
using Assignment3.Storage;
using Assignment3.Sweeps.Hosting;
using Assignment3.Sweeps.Protocol;

namespace Assignment3.Sweeps.Actors;

/// <summary>Asks the aggregator to say <see cref="SweepCompleted"/> once every stage is recorded and written.</summary>
public sealed record WatchSweep
{
    public static readonly WatchSweep Instance = new();
}

/// <summary>
/// Collects what the coordinator reports. Each recorded trial's curve is written at once; trials.csv,
/// the stage tables and summary.json are rewritten within a quarter second of every change (batched,
/// so thousands of fast trials do not mean thousands of rewrites each); at the end it plots each
/// stage's curves together. Publishes snapshots for the live terminal view.
/// </summary>
public sealed class AggregatorActor : ReceiveActor, IWithTimers
{
    private sealed record Flush
    {
        public static readonly Flush Instance = new();
    }

    private sealed record Row(PlannedTrial Trial)
    {
        public string Status { get; set; } = "queued";
        public string Node { get; set; } = "";
        public int Attempts { get; set; }
        public int Step { get; set; }
        public TrialOutcome? Outcome { get; set; }
    }

    private readonly SweepConfig sweep;
    private readonly string folder;
    private readonly SweepMonitor monitor;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly SortedDictionary<int, Row> rows = new();
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly List<IActorRef> watchers = new();
    private string stage = SweepConfig.FirstStage;
    private SweepCompleted? done;
    private bool tablesChanged;
    private bool viewChanged;

    public ITimerScheduler Timers { get; set; } = null!;

    public AggregatorActor(SweepConfig sweep, string folder, SweepMonitor monitor)
    {
        this.sweep = sweep;
        this.folder = folder;
        this.monitor = monitor;

        Receive<StagePlanned>(planned =>
        {
            stage = planned.Stage;
            foreach (var trial in planned.Trials) rows[trial.Id] = new Row(trial);
            tablesChanged = viewChanged = true;
        });
        Receive<TrialStarted>(started => Update(started.Trial, row =>
        {
            (row.Status, row.Node, row.Attempts, row.Step) = ("running", started.Node, started.Attempt, 0);
        }));
        Receive<TrialProgressed>(progress => Update(progress.Trial, row => row.Step = progress.Point.Step));
        Receive<TrialRequeued>(requeued => Update(requeued.Trial, row =>
        {
            log.Info("Trial {0} back in the queue: {1}", requeued.Trial, requeued.Reason);
            (row.Status, row.Step) = ("queued", 0);
        }));
        Receive<TrialRecorded>(recorded =>
        {
            if (!rows.TryGetValue(recorded.Trial, out var row)) return;
            row.Outcome = recorded.Outcome;
            row.Status = recorded.Outcome.Status.ToString().ToLowerInvariant();
            row.Node = recorded.Node;
            row.Attempts = recorded.Attempts;
            if (recorded.Outcome.Curve.Length > 0) SweepFolder.WriteCurve(folder, recorded.Trial, recorded.Outcome.Curve);
            tablesChanged = viewChanged = true;
        });
        Receive<Flush>(_ =>
        {
            if (tablesChanged) WriteTables();
            if (viewChanged) Publish();
            tablesChanged = viewChanged = false;
        });
        Receive<WatchSweep>(_ =>
        {
            if (done is not null) Sender.Tell(done);
            else watchers.Add(Sender);
        });
        Receive<SweepCompleted>(completed =>
        {
            done = completed;
            WriteTables();
            foreach (var stageRows in rows.Values.Where(r => r.Outcome is { Curve.Length: > 0 }).GroupBy(r => r.Trial.Stage))
                SweepFolder.WritePlots(folder, stageRows.Key, stageRows.Select(r => ($"trial {r.Trial.Id}: {Describe(r.Trial)}", (IReadOnlyList<Core.Training.CurvePoint>)r.Outcome!.Curve)).ToArray());
            Publish();
            foreach (var watcher in watchers) watcher.Tell(completed);
        });
    }

    protected override void PreStart() => Timers.StartPeriodicTimer("flush", Flush.Instance, TimeSpan.FromMilliseconds(250));

    private void Update(int trial, Action<Row> change)
    {
        if (!rows.TryGetValue(trial, out var row) || row.Outcome is not null) return;
        change(row);
        viewChanged = true;
    }

    private string Describe(PlannedTrial trial)
    {
        var keys = new[] { sweep.Table.Rows, sweep.Table.Columns }.OfType<string>();
        return string.Join(", ", keys.Select(k => $"{k}={trial.Value(k)}"));
    }

    private void WriteTables()
    {
        var all = rows.Values.Select(ToTrialRow).ToArray();
        SweepFolder.WriteTrials(folder, all, sweep.TestAccuracy);
        foreach (var stageRows in all.GroupBy(r => r.Stage))
            SweepFolder.WriteTable(folder, stageRows.Key, stageRows.ToArray(), sweep.Table.Rows, sweep.Table.Columns, sweep.Table.Cell);
        SweepFolder.WriteSummary(folder, Summary(all));
    }

    private static TrialRow ToTrialRow(Row row)
    {
        var o = row.Outcome;
        double? Finite(double? v) => v is { } d && double.IsFinite(d) ? d : null;
        return new TrialRow(row.Trial.Id, row.Trial.Stage, row.Trial.Parameters, row.Trial.Config.Seed, row.Status,
            Finite(o?.ValidationAccuracy), Finite(o?.TestAccuracy), Finite(o?.TrainAccuracy), o?.FinalCost, o?.DivergedAtStep,
            o is null ? null : Math.Round(o.Seconds, 3), row.Node, row.Attempts, o?.Error);
    }

    private object Summary(IReadOnlyList<TrialRow> all)
    {
        var best = all.Where(r => r.ValidationAccuracy is not null).MaxBy(r => r.ValidationAccuracy);
        return new
        {
            name = sweep.Experiment.Name,
            complete = done is not null,
            stages = sweep.StageNames,
            trials = all.Count,
            completed = all.Count(r => r.Status == "completed"),
            failed = all.Count(r => r.Status == "failed"),
            diverged = all.Count(r => r.Status == "diverged"),
            best = best is null ? null : new { trial = best.Trial, stage = best.Stage, validationAccuracy = best.ValidationAccuracy, testAccuracy = best.TestAccuracy, parameters = best.Parameters.ToDictionary(p => p.Key, p => p.Value) },
            elapsedSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
        };
    }

    private void Publish()
    {
        var values = rows.Values.ToArray();
        var finished = values.Where(r => r.Outcome is not null).ToArray();
        var completed = finished.Where(r => r.Outcome!.Status == TrialStatus.Completed).ToArray();
        var best = completed.MaxBy(r => r.Outcome!.ValidationAccuracy);
        var remaining = values.Length - finished.Length;
        TimeSpan? eta = finished.Length == 0 || done is not null ? null
            : TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / finished.Length * remaining);
        monitor.Publish(new SweepSnapshot(stage, values.Length, completed.Length,
            finished.Count(r => r.Outcome!.Status == TrialStatus.Failed), finished.Count(r => r.Outcome!.Status == TrialStatus.Diverged),
            values.Count(r => r.Status == "queued"),
            values.Where(r => r.Status == "running").Select(r => new RunningTrial(r.Trial.Id, r.Node, r.Step, r.Trial.Config.TotalSteps)).ToArray(),
            best is null ? null : (best.Trial.Id, best.Outcome!.ValidationAccuracy), clock.Elapsed, eta, done is not null));
    }

    public static Props Props(SweepConfig sweep, string folder, SweepMonitor monitor) =>
        Akka.Actor.Props.Create(() => new AggregatorActor(sweep, folder, monitor));
}
