using System.Diagnostics;
using Assignment3.Experiments.Search;

namespace Assignment3.Cli.Commands;

/// <summary>One objective and method: the median simple regret over the seeds after the budget, and every seed's.</summary>
public sealed record SearchBenchRow(string Objective, string Method, int Evaluations, double MedianRegret, double[] Regrets, double Seconds);

/// <summary>
/// The search methods on synthetic objectives of known minimum (Branin, Hartmann-6, noisy Branin):
/// each method with the same budget, round sizes and lag as a sweep would use, over several sweep seeds.
/// </summary>
public static class SearchBenchmark
{
    public static IReadOnlyList<SearchBenchRow> Run(int seeds, int trials, int initial, int batch, int lag, Action<string> say)
    {
        var rows = new List<SearchBenchRow>();
        foreach (var objective in SyntheticObjective.All)
            foreach (var method in SearchMethods.All)
            {
                var clock = Stopwatch.StartNew();
                var search = objective.Search(method, trials, initial, batch, lag);
                var regrets = Enumerable.Range(1, seeds).Select(seed => objective.Run(search, seed)[^1]).ToArray();
                var row = new SearchBenchRow(objective.Name, method.Name, trials, Median(regrets), regrets, clock.Elapsed.TotalSeconds);
                say($"{row.Objective,-13} {row.Method,-7} median regret after {trials}: {row.MedianRegret,10:G4}   ({row.Seconds:F1} s)");
                rows.Add(row);
            }
        return rows;
    }

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
