using System.Diagnostics;
using Assignment3.Core.Data;
using Assignment3.Core.Network;
using Assignment3.Core.Numerics;
using Assignment3.Core.Randomness;

namespace Assignment3.Core.Training;

/// <summary>
/// One run's part in advancing a group: the step it stops at, whom it reports progress to, what
/// cancels it, and whom it tells how it ended when it leaves (its network then its own again, while
/// the others go on).
/// </summary>
public sealed record GroupMember(
    TrainingRun Run,
    int ToStep,
    Action<TrainingProgress>? OnProgress = null,
    CancellationToken Cancellation = default,
    Action<TrainingSegment>? OnEnded = null
);

/// <summary>
/// Training runs on the same data, batch size and mini-batch order, at the same step, advanced in
/// lockstep on one thread (horizontal fusion, as HFTA does for GPUs, Wang et al., MLSys 2021). What
/// they can share is done once: each mini-batch gathered (and the next one fetched) once, the first
/// layers' products for all of them as one product each (<see cref="FirstLayerStack{T}"/>: the
/// forward product, and the weight gradient with its descent step), validation passes read and
/// multiplied once. Everything else is each run's own, so every run's numbers are bit for bit those
/// it gives alone. A group of one is how a run trains alone.
/// Buffers: X d x n and the labels n of the current mini-batch, each epoch's order; the stack's.
/// </summary>
public sealed class TrainingGroup
{
    private readonly TrainingRun[] runs;
    private readonly DataSplits data;
    private readonly int batchSize;
    private readonly int batchesPerEpoch;
    private readonly int orderSeed;
    private readonly Mat<float> x;
    private readonly byte[] labels;
    private readonly int[] order;
    private int orderEpoch = -1;
    private readonly FirstLayerStack<float> stack;
    private readonly Workspace<float>[] workspaces;
    private readonly float[] etas;
    private readonly float[] lambdas;
    private readonly double[] losses;
    private readonly bool[] stale;

    /// <summary>The runs, their first layers copied into the group's stack: until <see cref="Release"/>, train them only through the group.</summary>
    public TrainingGroup(IReadOnlyList<TrainingRun> runs)
    {
        if (runs.Count == 0)
            throw new ArgumentException("a group needs at least one run", nameof(runs));
        if (runs.Distinct().Count() != runs.Count)
            throw new ArgumentException("a run can be in a group only once", nameof(runs));
        var first = runs[0];
        foreach (var run in runs.Skip(1))
            if (CannotJoin(first, run) is { } why)
                throw new ArgumentException($"these runs cannot train together: {why}", nameof(runs));
        this.runs = runs.ToArray();
        data = first.Data;
        batchSize = first.Config.BatchSize;
        batchesPerEpoch = data.Train.Count / batchSize;
        orderSeed = first.Config.OrderSeed;
        x = new Mat<float>(data.Train.Dimensions, batchSize);
        labels = new byte[batchSize];
        order = new int[data.Train.Count];
        stack = new FirstLayerStack<float>(this.runs.Select(r => r.Network).ToArray());
        workspaces = this.runs.Select(r => r.Workspace).ToArray();
        (etas, lambdas, losses, stale) = (
            new float[runs.Count],
            new float[runs.Count],
            new double[runs.Count],
            new bool[runs.Count]
        );
        for (var k = 0; k < runs.Count; k++)
            lambdas[k] = (float)runs[k].Config.Lambda;
    }

    /// <summary>Why <paramref name="other"/> cannot train in one group with <paramref name="run"/> (null: it can).</summary>
    public static string? CannotJoin(TrainingRun run, TrainingRun other) =>
        !ReferenceEquals(run.Data, other.Data) ? "they train on different data"
        : run.Config.BatchSize != other.Config.BatchSize
            ? $"batch sizes {run.Config.BatchSize} and {other.Config.BatchSize}"
        : run.Config.OrderSeed != other.Config.OrderSeed
            ? $"mini-batch orders from seeds {run.Config.OrderSeed} and {other.Config.OrderSeed}"
        : run.Step != other.Step ? $"they are at steps {run.Step} and {other.Step}"
        : !ReferenceEquals(run.Network.Gemm, other.Network.Gemm) ? "they multiply with different GEMM backends"
        : null;

    public int Count => runs.Length;

    /// <summary>
    /// One update step of every run on the next mini-batch: gathered once, the first layers' products
    /// fused, each run's own forward, backward and running statistics, each run's descent with its own
    /// step size. A run whose loss is NaN or infinite is not updated (its network keeps the state
    /// before the step, its first layer written back) and takes no further part. Returns each run's
    /// mean loss on the batch, before the update; allocates nothing.
    /// </summary>
    public ReadOnlySpan<double> UpdateStep()
    {
        var step = runs[0].Step;
        var batch = step % batchesPerEpoch;
        ShuffleFor(step / batchesPerEpoch);
        data.Train.Gather(order.AsSpan(batch * batchSize, batchSize), x, labels);
        // The next batch's images come from all over the training set: fetched while this one trains.
        if (batch + 1 < batchesPerEpoch)
            data.Train.Prefetch(order.AsSpan((batch + 1) * batchSize, batchSize));

        stack.Forward(x, workspaces);
        var updating = 0;
        for (var k = 0; k < runs.Length; k++)
        {
            var run = runs[k];
            if (stale[k])
            {
                losses[k] = double.NaN;
                continue;
            }
            losses[k] = run.Network.ForwardFromFirstProduct(labels, workspaces[k], training: true) / batchSize;
            if (!double.IsFinite(losses[k]))
            {
                // Alone, a diverged run is not updated: keep its first layer as it is before the step.
                stack.Unstack(k);
                stale[k] = true;
                continue;
            }
            var eta = (float)run.Config.Schedule.At(step);
            etas[k] = eta;
            run.Network.BackwardToFirstProduct(labels, workspaces[k], lambda: 0f);
            run.Network.UpdateRunningStatistics(workspaces[k]);
            run.Network.Step(eta, lambdas[k], firstLayerWeights: false);
            updating++;
        }
        // A diverged run's rows are written over with the others' step; they are not its state any more.
        if (updating > 0)
            stack.Descend(x, workspaces, etas, lambdas);
        foreach (var run in runs)
            run.Step = step + 1;
        return losses;
    }

    /// <summary>Makes run k's own first-layer weights current (for its cost, its checkpoint, or an evaluation of its own).</summary>
    public void Unstack(int k)
    {
        if (!stale[k])
            stack.Unstack(k);
    }

    /// <summary>
    /// Validation cost, loss and accuracy of every run at once (the images read and the first layers
    /// multiplied once per chunk); their first layers written back first for the cost's L2 term.
    /// </summary>
    public Evaluation[] EvaluateValidation()
    {
        for (var k = 0; k < runs.Length; k++)
            Unstack(k);
        return Evaluator.Together(
            stack,
            runs.Select(r => r.Evaluator).ToArray(),
            runs.Select(r => r.Config.Lambda).ToArray(),
            data.Validation
        );
    }

    /// <summary>Writes every run's first layer back: the group is done with them, and they can train alone or in another group.</summary>
    public void Release()
    {
        for (var k = 0; k < runs.Length; k++)
            Unstack(k);
    }

    /// <summary>The order of epoch <paramref name="epoch"/>: a permutation drawn from the order seed and the epoch alone.</summary>
    private void ShuffleFor(int epoch)
    {
        if (epoch == orderEpoch)
            return;
        for (var i = 0; i < order.Length; i++)
            order[i] = i;
        Batches.Shuffle(order, new Xoshiro256StarStar((ulong)TrainingRun.DeriveSeed(orderSeed, stream: 3 + epoch)));
        orderEpoch = epoch;
    }

    /// <summary>
    /// Trains each member to its ToStep in lockstep with the others, evaluating at its recording points
    /// and reporting its progress as <see cref="TrainingRun.Advance"/> does alone. A member leaves the
    /// group when it reaches its step, diverges or is cancelled (status Cancelled, at the step it had
    /// reached); the others go on, in a group rebuilt without it. Returns one segment per member.
    /// </summary>
    public static TrainingSegment[] Advance(IReadOnlyList<GroupMember> members)
    {
        foreach (var m in members)
            if (m.ToStep < m.Run.Step || m.ToStep > m.Run.Config.TotalSteps)
                throw new ArgumentOutOfRangeException(
                    nameof(members),
                    $"cannot train from step {m.Run.Step} to step {m.ToStep} of {m.Run.Config.TotalSteps}"
                );
        var states = members.Select(m => new MemberState(m)).ToArray();
        var active = states.ToList();
        var due = new List<int>(states.Length);
        TrainingGroup? group = null;
        try
        {
            while (true)
            {
                var changed = group is null;
                foreach (var state in active)
                    changed |= state.Segment is not null || state.Ends();
                if (changed)
                {
                    group?.Release();
                    group = null;
                    foreach (var ended in active.Where(s => s.Segment is not null))
                        ended.Member.OnEnded?.Invoke(ended.Segment!);
                    active.RemoveAll(s => s.Segment is not null);
                    if (active.Count == 0)
                        break;
                    group = new TrainingGroup(active.Select(s => s.Member.Run).ToArray());
                }
                var clock = Stopwatch.StartNew();
                var stepLosses = group!.UpdateStep();
                var share = clock.Elapsed.TotalSeconds / active.Count;
                for (var k = 0; k < active.Count; k++)
                {
                    active[k].Stepped(stepLosses[k], share);
                    if (active[k].RecordsNow())
                        due.Add(k);
                }
                if (due.Count > 0)
                    Record(group, active, due);
                due.Clear();
                for (var k = 0; k < active.Count; k++)
                    active[k].Report(group, k);
            }
        }
        finally
        {
            group?.Release();
        }
        return states.Select(s => s.Segment!).ToArray();
    }

    /// <summary>
    /// The recording points due at this step: each run's training subset on its own, the validation set
    /// for all of them at once when all record now (the usual case: the same step size and points per cycle).
    /// </summary>
    private static void Record(TrainingGroup group, List<MemberState> active, List<int> due)
    {
        var clock = Stopwatch.StartNew();
        var validation = due.Count == active.Count ? group.EvaluateValidation() : null;
        var shared = clock.Elapsed.TotalSeconds / due.Count;
        foreach (var k in due)
        {
            clock.Restart();
            group.Unstack(k);
            var run = active[k].Member.Run;
            var onTrain = run.EvaluateTrainingSubset();
            var onValidation = validation?[k] ?? run.Evaluator.Evaluate(run.Data.Validation, run.Config.Lambda);
            active[k].Recorded(onTrain, onValidation, shared + clock.Elapsed.TotalSeconds);
        }
    }

    /// <summary>A member's progress through <see cref="Advance"/>: its recording points, time, and its segment once it has left.</summary>
    private sealed class MemberState(GroupMember member)
    {
        private readonly Queue<int> recordAt = new(
            member.Run.Config.RecordingSteps().Where(s => s > member.Run.Step && s <= member.ToStep)
        );
        private readonly List<CurvePoint> points = new();
        private CurvePoint? point;

        public GroupMember Member { get; } = member;
        public TrainingSegment? Segment { get; private set; }
        public double Seconds { get; private set; }
        public double EvaluationSeconds { get; private set; }
        private double loss;
        private TrainingRun Run => Member.Run;

        /// <summary>Whether it leaves before the next step: its step reached (completed), or cancelled.</summary>
        public bool Ends()
        {
            if (Run.Step == Member.ToStep)
                End(TrainingStatus.Completed, null);
            else if (Member.Cancellation.IsCancellationRequested)
                End(TrainingStatus.Cancelled, null);
            return Segment is not null;
        }

        /// <summary>It took a step with this mean loss (NaN or infinite: it diverged), for its share of the step's time.</summary>
        public void Stepped(double batchLoss, double seconds)
        {
            (loss, point) = (batchLoss, null);
            Seconds += seconds;
            if (!double.IsFinite(batchLoss))
                End(TrainingStatus.Diverged, batchLoss);
        }

        public bool RecordsNow()
        {
            if (Segment is not null || recordAt.Count == 0 || recordAt.Peek() != Run.Step)
                return false;
            recordAt.Dequeue();
            return true;
        }

        public void Recorded(Evaluation onTrain, Evaluation onValidation, double seconds)
        {
            point = new CurvePoint(
                Run.Step,
                Run.Config.Schedule.At(Run.Step - 1),
                onTrain.Cost,
                onTrain.Loss,
                onTrain.Accuracy,
                onValidation.Cost,
                onValidation.Loss,
                onValidation.Accuracy
            );
            points.Add(point);
            Seconds += seconds;
            EvaluationSeconds += seconds;
            if (!double.IsFinite(onValidation.Cost))
                End(TrainingStatus.Diverged, onValidation.Cost);
        }

        /// <summary>Progress at recording points, every 25 steps and at the end, as a run alone reports it (its first layer written back first).</summary>
        public void Report(TrainingGroup group, int k)
        {
            if (Member.OnProgress is not { } onProgress || Segment is not null)
                return; // diverged: alone it reports nothing more
            if (point is null && Run.Step % 25 != 0 && Run.Step != Member.ToStep)
                return;
            group.Unstack(k);
            onProgress(
                new TrainingProgress(
                    Run.Step,
                    Run.Config.TotalSteps,
                    loss + Run.Config.Lambda * Run.Network.SumOfSquaredWeights(),
                    point,
                    Seconds
                )
            );
        }

        private void End(TrainingStatus status, double? cost) =>
            Segment ??= new TrainingSegment(status, points, Run.Step, cost, Seconds, EvaluationSeconds);
    }
}
