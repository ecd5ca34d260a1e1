using System.Diagnostics;
using Assignment3.Core.Randomness;
using Assignment3.Experiments.Search;
using Assignment3.Experiments.Sweeps;
using Assignment3.Storage;
using Assignment3.Sweeps.Hosting;
using Assignment3.Sweeps.Trials;

namespace Assignment3.Cli.Commands;

/// <summary>One objective and method: the median simple regret over the seeds after the budget, and every seed's.</summary>
public sealed record SearchBenchRow(
    string Objective,
    string Method,
    int Evaluations,
    double MedianRegret,
    double[] Regrets,
    double Seconds
);

/// <summary>
/// One method on a problem of several objectives: the median over the seeds of the hypervolume its feasible
/// points reach after <paramref name="Evaluations"/>, and of the gap left to the true front's (null when that
/// is not known), and the share of its proposals after round 0 that break the problem's constraint.
/// </summary>
public sealed record FrontBenchRow(
    string Problem,
    string Method,
    int Evaluations,
    double MedianHypervolume,
    double? FrontHypervolume,
    double? MedianGap,
    double[] Hypervolumes,
    double InfeasibleAfterRoundZero,
    double Seconds
);

/// <summary>How long one round took to propose <paramref name="Count"/> points from <paramref name="Observations"/> results.</summary>
public sealed record RoundAtScaleRow(
    string Method,
    int Objectives,
    int Observations,
    int Dimensions,
    int Count,
    int Rounds,
    double Seconds
);

/// <summary>
/// The search methods on synthetic objectives of known minimum (Branin, Hartmann-6, noisy Branin):
/// each method with the same budget, round sizes and lag as a sweep would use, over several sweep seeds.
/// </summary>
public static class SearchBenchmark
{
    public static IReadOnlyList<SearchBenchRow> Run(
        int seeds,
        int trials,
        int initial,
        int batch,
        int lag,
        Action<string> say,
        IReadOnlyList<SyntheticObjective>? objectives = null,
        IReadOnlyList<ISearchMethod>? methods = null
    )
    {
        var rows = new List<SearchBenchRow>();
        foreach (var objective in objectives ?? SyntheticObjective.All)
        foreach (var method in methods ?? SearchMethods.All)
        {
            var clock = Stopwatch.StartNew();
            var search = objective.Search(method, trials, initial, batch, lag);
            var regrets = Enumerable.Range(1, seeds).Select(seed => objective.Run(search, seed)[^1]).ToArray();
            var row = new SearchBenchRow(
                objective.Name,
                method.Name,
                trials,
                Median(regrets),
                regrets,
                clock.Elapsed.TotalSeconds
            );
            say(
                $"{row.Objective, -13} {row.Method, -7} median regret after {trials}: {row.MedianRegret, 10:G4}   ({row.Seconds:F1} s)"
            );
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>
    /// One round proposed from many results: <paramref name="observations"/> seeded uniform points of
    /// Hartmann-6 (or of <paramref name="front"/>'s problem: several objectives) with their values, a round of
    /// <paramref name="count"/> still running (lag 1), and <paramref name="count"/> new points; the median of up
    /// to three rounds (sweep seeds 1 to <paramref name="seeds"/>).
    /// </summary>
    public static RoundAtScaleRow RoundAtScale(
        ISearchMethod method,
        int observations,
        int count,
        int seeds,
        SyntheticFront? front = null
    )
    {
        var objective = SyntheticObjective.Hartmann6;
        var space = front?.Space ?? objective.Space;
        var search = new SearchSpec(method, observations + 2 * count, 10, count, 1, space, []);
        var seconds = new List<double>();
        for (var seed = 1; seed <= Math.Min(seeds, 3); seed++)
        {
            var random = new Xoshiro256StarStar((ulong)Xoshiro256StarStar.StableSeed(seed, "bench|round at scale"));
            var observed = Enumerable
                .Range(0, observations)
                .Select(_ => space.Sample(random))
                .Select(p => front?.Observe(p) ?? new Observation(p, objective.Evaluate(p)))
                .ToArray();
            var pending = Enumerable.Range(0, count).Select(_ => space.Sample(random)).ToArray();
            var request = new RoundRequest(
                search,
                seed,
                "coarse",
                observations / count,
                observed,
                pending,
                [.. observed.Select(o => o.Point), .. pending],
                count
            );
            var clock = Stopwatch.StartNew();
            SearchRounds.Propose(request);
            seconds.Add(clock.Elapsed.TotalSeconds);
        }
        return new RoundAtScaleRow(
            method.Name,
            front?.Reference.Length ?? 1,
            observations,
            space.Dimensions.Count,
            count,
            seconds.Count,
            Median(seconds)
        );
    }

    /// <summary>
    /// Every method on the problems of several objectives (ZDT1, DTLZ2, C2-DTLZ2), searches of
    /// <paramref name="evaluations"/> in rounds of <paramref name="batch"/> after an initial design of
    /// <paramref name="initial"/>, over sweep seeds 1 to <paramref name="seeds"/>.
    /// </summary>
    public static IReadOnlyList<FrontBenchRow> Fronts(
        int seeds,
        int evaluations,
        int initial,
        int batch,
        int lag,
        Action<string> say
    ) =>
        SyntheticFront
            .All.SelectMany(problem => SearchMethods.All.Select(method => (problem, method)))
            .Select(x =>
            {
                var (problem, method) = x;
                var clock = Stopwatch.StartNew();
                var search = problem.Search(method, evaluations, initial, batch, lag);
                var runs = Enumerable.Range(1, seeds).Select(seed => problem.Run(search, seed)).ToArray();
                var reached = runs.Select(r => problem.HypervolumeAfterEach(r)[^1]).ToArray();
                var later = runs.SelectMany(r => r.Skip(initial)).ToArray();
                var row = new FrontBenchRow(
                    problem.Name,
                    method.Name,
                    evaluations,
                    Median(reached),
                    problem.FrontHypervolume,
                    problem.FrontHypervolume is { } front ? Median(reached.Select(h => front - h).ToArray()) : null,
                    reached,
                    later.Length == 0 ? 0 : (double)later.Count(o => !o.Feasible) / later.Length,
                    clock.Elapsed.TotalSeconds
                );
                say(
                    $"{row.Problem, -13} {row.Method, -7} median hypervolume after {evaluations}: {row.MedianHypervolume:F4}"
                        + (row.FrontHypervolume is { } f ? $" of the front's {f:F4} (gap {row.MedianGap:F4})" : "")
                        + (
                            problem.Excess is null
                                ? ""
                                : $", infeasible after round 0: {row.InfeasibleAfterRoundZero:P1}"
                        )
                        + $"   ({row.Seconds:F1} s)"
                );
                return row;
            })
            .ToArray();

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1
            ? sorted[sorted.Length / 2]
            : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

/// <summary>One search sweep's slot utilization: busy slot-time over slots x wall time, with the time rounds took to propose.</summary>
public sealed record UtilizationRow(
    string Method,
    int Slots,
    int Batch,
    int Lag,
    double Utilization,
    double Seconds,
    double ProposeSeconds
);

/// <summary>
/// How busy a search keeps its slots: a 40-trial search on an in-process cluster whose trainer
/// pretends to train for 100-300 ms per trial (seeded per trial, so a round has stragglers) and
/// reports an accuracy that is a smooth function of lambda and eta-max.
/// </summary>
public static class SearchUtilization
{
    public static async Task<UtilizationRow> RunAsync(
        string method,
        int slots,
        int batch,
        int lag,
        CancellationToken cancellation
    )
    {
        var sweep = SweepConfig.Parse(
            $$"""
            name = utilization
            network { hidden = [4] }
            training { step-size = 5, cycles = 1, batch-size = 10 }
            sweep {
              search {
                method = {{method}}, trials = 40, initial = 10, batch = {{batch}}, lag = {{lag}}
                space { lambda = { log-uniform = [1e-5, 1e-1] }, eta-max = { log-uniform = [1e-3, 1] } }
              }
            }
            """,
            "(search utilization)"
        );
        var runner = new InstantTrialRunner(
            c => 0.5 - 0.01 * Math.Abs(Math.Log10(c.Lambda) + 3) - 0.005 * Math.Abs(Math.Log10(c.EtaMax) + 1),
            t => TimeSpan.FromMilliseconds(100 + new Xoshiro256StarStar((ulong)t.Trial).Next(200))
        );
        var folder = Directory.CreateTempSubdirectory("a3-search-utilization-").FullName;
        try
        {
            using var store = SweepStore.Create(folder, sweep.Text);
            await using (
                var node = SweepHost.StartCoordinator(
                    sweep,
                    folder,
                    new SweepMonitor(),
                    "bench",
                    new FixedRunnerSource("bench", runner),
                    slots,
                    journal: new StoreJournal(store)
                )
            )
                await node.Completion(cancellation);
            var events = SweepStore.Read(folder).Events;
            var started = events.OfType<TrialStarted>().ToDictionary(e => e.Trial, e => e.At);
            var ended = events.OfType<TrialRecorded>().ToDictionary(e => e.Trial, e => e.At);
            var busy = started.Sum(s => (ended[s.Key] - s.Value).TotalSeconds);
            var wall = (ended.Values.Max() - started.Values.Min()).TotalSeconds;
            // A round's proposing time: from the event that made it due (the last before it) to the round.
            var propose = events
                .Select((e, i) => (e, i))
                .Where(x => x.e is RoundProposed r && r.Round > 0)
                .Sum(x => (x.e.At - events[x.i - 1].At).TotalSeconds);
            return new UtilizationRow(
                method,
                slots,
                batch,
                lag,
                Math.Round(busy / (slots * wall), 3),
                Math.Round(wall, 2),
                Math.Round(propose, 2)
            );
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
