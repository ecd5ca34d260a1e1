using Akka.Actor;
using Akka.Event;
using Assignment3.Core.Training;
using Assignment3.Experiments.Sweeps;
using Assignment3.Sweeps.Protocol;
using Assignment3.Sweeps.Trials;
using Assignment3.Experiments.Text;

namespace Assignment3.Sweeps.Actors;

/// <summary>
/// One worker slot. Asks the coordinator for a trial only when it is free, trains it on a dedicated
/// thread (the mailbox stays responsive), streams recording points and checkpoints, and reports the
/// outcome (with the checkpoint where the hand-out stopped short of the trial's end).
/// </summary>
public sealed class WorkerActor : ReceiveActor
{
    private sealed record PointReached(int Trial, int Attempt, CurvePoint Point);
    private sealed record CheckpointReady(int Trial, int Attempt, TrialCheckpoint Checkpoint);
    private sealed record Trained(AssignTrial Trial, RunResult Result);

    private readonly string node;
    private readonly Action<string>? onActivity;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private IActorRef? coordinator;
    private PreparedRunner? prepared;
    private AssignTrial? running;
    private bool dropped;
    private CancellationTokenSource? cancellation;

    public WorkerActor(string node, Action<string>? onActivity)
    {
        this.node = node;
        this.onActivity = onActivity;

        Receive<CoordinatorFound>(found =>
        {
            if (found.Coordinator.Equals(coordinator)) return;
            if (coordinator is not null) Context.Unwatch(coordinator);
            (coordinator, prepared) = (found.Coordinator, found.Prepared);
            Context.Watch(coordinator);
            if (running is null) AskForWork();
        });
        Receive<AssignTrial>(Start);
        Receive<CancelTrial>(cancel =>
        {
            if (running is not { } t || t.Trial != cancel.Trial || t.Attempt != cancel.Attempt) return;
            dropped = true;
            cancellation?.Cancel();
        });
        Receive<PointReached>(p =>
        {
            if (running is { } t && t.Trial == p.Trial && t.Attempt == p.Attempt && !dropped)
                coordinator?.Tell(new TrialProgressed(p.Trial, p.Attempt, p.Point));
        });
        Receive<CheckpointReady>(c =>
        {
            if (running is { } t && t.Trial == c.Trial && t.Attempt == c.Attempt && !dropped)
                coordinator?.Tell(new CheckpointTaken(c.Trial, c.Attempt, c.Checkpoint.Step, c.Checkpoint.Bytes, c.Checkpoint.Points, c.Checkpoint.Seconds));
        });
        Receive<Trained>(done =>
        {
            running = null;
            var o = done.Result.Outcome;
            onActivity?.Invoke($"{Self.Path.Name}: trial {done.Trial.Trial} " + (dropped ? "cancelled" : o.Status switch
            {
                TrialStatus.Completed => $"{(done.Result.Checkpoint is null ? "finished" : "paused")} at step {o.UpdateSteps}: validation accuracy {Readable.Number(o.ValidationAccuracy)}",
                TrialStatus.Diverged => $"diverged at step {o.DivergedAtStep}",
                _ => $"failed: {o.Error}",
            }) + $" ({Readable.Number(o.Seconds)} s)");
            if (dropped)
            {
                // Cancelled (the trial was recorded from another hand-out, or the sweep stopped): nobody wants this result.
                dropped = false;
                AskForWork();
                return;
            }
            coordinator?.Tell(new TrialFinished(done.Trial.Trial, done.Trial.Attempt, node, done.Result.Outcome, done.Result.Checkpoint));
            AskForWork();
        });
        Receive<WorkerRejected>(rejected => log.Error("Coordinator {0} refused this worker: {1}", Sender.Path.Address, rejected.Reason));
        Receive<Terminated>(t =>
        {
            if (!t.ActorRef.Equals(coordinator)) return; // one this slot served before (it unwatched it since)
            // The coordinator is gone (sweep over, or its node lost): whatever runs is of no use to anyone now.
            log.Info("Coordinator left; waiting for the next one");
            coordinator = null;
            cancellation?.Cancel();
        });
    }

    private void AskForWork() => coordinator?.Tell(new RequestTrial(node, Self.Path.Name, prepared!.Fingerprint));

    private void Start(AssignTrial trial)
    {
        if (running is not null || prepared is null)
        {
            var why = running is null ? "no data is loaded yet" : $"{Self.Path.Name} is training trial {running.Trial}";
            log.Warning("Trial {0} offered while {1}; declining", trial.Trial, why);
            Sender.Tell(new TrialDeclined(trial.Trial, trial.Attempt, node, why));
            return;
        }
        running = trial;
        dropped = false;
        onActivity?.Invoke($"{Self.Path.Name}: trial {trial.Trial} started" + (trial.Attempt > 1 ? $" (attempt {trial.Attempt})" : "") +
                           $", steps {trial.FromStep} to {trial.EndStep}");
        cancellation = new CancellationTokenSource();
        var (self, token, runner) = (Self, cancellation.Token, prepared.Runner);
        Task.Factory.StartNew(() =>
        {
            try
            {
                return new Trained(trial, runner.Run(trial,
                    point => self.Tell(new PointReached(trial.Trial, trial.Attempt, point)),
                    checkpoint => self.Tell(new CheckpointReady(trial.Trial, trial.Attempt, checkpoint)), token));
            }
            catch (Exception e)
            {
                return new Trained(trial, new RunResult(TrialOutcome.Failure($"{e.GetType().Name}: {e.Message}")));
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).PipeTo(self);
    }

    protected override void PostStop() => cancellation?.Cancel();

    public static Props Props(string node, Action<string>? onActivity = null) => Akka.Actor.Props.Create(() => new WorkerActor(node, onActivity));
}
