using Akka.Actor;
using Akka.Event;
using Assignment3.Core.Training;
using Assignment3.Sweeps.Protocol;
using Assignment3.Sweeps.Trials;

namespace Assignment3.Sweeps.Actors;

/// <summary>
/// One worker slot. Asks the coordinator for a trial only when it is free, trains it on a dedicated
/// thread (the mailbox stays responsive), streams recording points and reports the outcome.
/// </summary>
public sealed class WorkerActor : ReceiveActor
{
    private sealed record PointReached(int Trial, int Attempt, CurvePoint Point);
    private sealed record Trained(AssignTrial Trial, TrialOutcome Outcome);

    private readonly ITrialRunner runner;
    private readonly string node;
    private readonly string fingerprint;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private IActorRef? coordinator;
    private AssignTrial? running;
    private CancellationTokenSource? cancellation;

    public WorkerActor(ITrialRunner runner, string node, string fingerprint)
    {
        this.runner = runner;
        this.node = node;
        this.fingerprint = fingerprint;

        Receive<CoordinatorFound>(found =>
        {
            if (found.Coordinator.Equals(coordinator)) return;
            coordinator = found.Coordinator;
            Context.Watch(coordinator);
            if (running is null) coordinator.Tell(new RequestTrial(node, fingerprint));
        });
        Receive<AssignTrial>(Start);
        Receive<PointReached>(p =>
        {
            if (running is { } t && t.Trial == p.Trial && t.Attempt == p.Attempt)
                coordinator?.Tell(new TrialProgressed(p.Trial, p.Attempt, p.Point));
        });
        Receive<Trained>(done =>
        {
            running = null;
            coordinator?.Tell(new TrialFinished(done.Trial.Trial, done.Trial.Attempt, node, done.Outcome));
            coordinator?.Tell(new RequestTrial(node, fingerprint));
        });
        Receive<WorkerRejected>(rejected => log.Error("Coordinator {0} refused this worker: {1}", Sender.Path.Address, rejected.Reason));
        Receive<Terminated>(t => t.ActorRef.Equals(coordinator), _ =>
        {
            // The coordinator is gone (sweep over, or its node lost): whatever runs is of no use to anyone now.
            log.Info("Coordinator left; waiting for the next one");
            coordinator = null;
            cancellation?.Cancel();
        });
    }

    private void Start(AssignTrial trial)
    {
        if (running is not null)
        {
            log.Warning("Trial {0} offered while trial {1} runs; declining", trial.Trial, running.Trial);
            Sender.Tell(new TrialFinished(trial.Trial, trial.Attempt, node,
                Failed($"worker on {node} was busy", 0)));
            return;
        }
        running = trial;
        cancellation = new CancellationTokenSource();
        var self = Self;
        var token = cancellation.Token;
        Task.Factory.StartNew(() =>
        {
            try
            {
                return new Trained(trial, runner.Run(trial, point => self.Tell(new PointReached(trial.Trial, trial.Attempt, point)), token));
            }
            catch (Exception e)
            {
                return new Trained(trial, Failed($"{e.GetType().Name}: {e.Message}", 0));
            }
        }, token, TaskCreationOptions.LongRunning, TaskScheduler.Default).PipeTo(self);
    }

    private static TrialOutcome Failed(string error, double seconds) =>
        new(TrialStatus.Failed, double.NaN, double.NaN, double.NaN, double.NaN, 0, seconds, null, error, []);

    protected override void PostStop() => cancellation?.Cancel();

    public static Props Props(ITrialRunner runner, string node, string fingerprint) =>
        Akka.Actor.Props.Create(() => new WorkerActor(runner, node, fingerprint));
}
