using Assignment3.Core.Randomness;
using Assignment3.Experiments.Configuration;
using Assignment3.Experiments.Search;
using Assignment3.Experiments.Sweeps;

namespace Assignment3.Experiments.Scheduling;

/// <summary>
/// Hyperband (Li et al., JMLR 2018): successive halving in several brackets that trade the number
/// of trials against how early they are judged. With largest budget R (the trials' cycles), first
/// budget r and s_max the largest s with r·eta^s &lt;= R, bracket i (0 to s_max) starts at
/// r·eta^i cycles and gets a share of the stage's trials in proportion to Hyperband's
/// n_i = ceil((s_max + 1) / (s + 1) · eta^s), s = s_max - i. Which trial goes to which bracket is a
/// shuffle seeded by the sweep's seed and the stage's name (not a process's randomized hash, so
/// every process and every resume agrees).
/// </summary>
public static class HyperbandPolicy
{
    public static SuccessiveHalvingPolicy Create(StagePlan plan, int eta, int minBudget, int seed)
    {
        var most = SuccessiveHalvingPolicy.MaxCycles(plan);
        var sMax = LargestS(minBudget, eta, most);
        var weights = Enumerable
            .Range(0, sMax + 1)
            .Select(i =>
            {
                var s = sMax - i;
                return Math.Ceiling((sMax + 1.0) / (s + 1) * Math.Pow(eta, s));
            })
            .ToArray();
        var sizes = Shares(plan.Count, weights);
        var order = Enumerable.Range(plan.FirstId, plan.Count).ToArray();
        new Xoshiro256StarStar((ulong)SweepPlanner.TrialSeed(seed, $"hyperband|{plan.Stage}")).Shuffle(order.AsSpan());
        var bracketOf = new Dictionary<int, int>(plan.Count);
        var position = 0;
        for (var i = 0; i < sizes.Length; i++)
        for (var k = 0; k < sizes[i]; k++)
            bracketOf[order[position++]] = i;
        var brackets = sizes
            .Select((size, i) => Bracket.Of(i, size, FirstBudget(i, minBudget, eta, most), most, eta))
            .ToArray();
        return new SuccessiveHalvingPolicy(brackets, id => bracketOf[id]);
    }

    /// <summary>s_max: the largest s with min-budget x eta^s &lt;= the largest budget.</summary>
    public static int LargestS(int minBudget, int eta, int most)
    {
        var s = 0;
        for (long b = (long)minBudget * eta; b <= most; b *= eta)
            s++;
        return s;
    }

    /// <summary>Where bracket i starts: min-budget x eta^i cycles, at most the largest budget.</summary>
    public static int FirstBudget(int i, int minBudget, int eta, int most) =>
        (int)Math.Min(most, minBudget * (long)Math.Pow(eta, i));

    /// <summary><paramref name="total"/> split in proportion to <paramref name="weights"/> by largest remainder (ties to the earlier bracket).</summary>
    public static int[] Shares(int total, double[] weights)
    {
        var sum = weights.Sum();
        var exact = weights.Select(w => total * w / sum).ToArray();
        var shares = exact.Select(e => (int)Math.Floor(e)).ToArray();
        foreach (
            var i in Enumerable
                .Range(0, weights.Length)
                .OrderByDescending(i => exact[i] - shares[i])
                .ThenBy(i => i)
                .Take(total - shares.Sum())
        )
            shares[i]++;
        return shares;
    }
}

/// <summary><c>hyperband { eta, min-budget }</c>: brackets drawn from the sweep's seed.</summary>
public sealed class HyperbandSchedule : IScheduleKind
{
    public static readonly HyperbandSchedule Instance = new();

    public string Name => "hyperband";
    public IReadOnlyList<SettingKey> Keys { get; } = [new("eta", 3, 2), new("min-budget", 1, 1)];
    public bool StopsEarly => true;

    public string Describe(ScheduleSpec spec) => $"{Name} (eta {spec.Whole("eta")}, {spec.FromBudget})";

    public IStagePolicy Create(ScheduleSpec spec, StagePlan plan, int seed) =>
        plan is SearchPlan search
            ? SearchBrackets.Policy(search, spec.Whole("eta"), spec.Whole("min-budget"), hyperband: true)
            : HyperbandPolicy.Create(plan, spec.Whole("eta"), spec.Whole("min-budget"), seed);
}
