using System.Globalization;
using Assignment3.Core.Randomness;
using Assignment3.Experiments.Configuration;

namespace Assignment3.Experiments.Search;

/// <summary>
/// A point of the space with its losses, one per objective, each minimized (the first, alone by default: 1 -
/// validation accuracy), and how far it exceeds each constraint's bound on results (met when at most 0), in
/// trial-id order.
/// </summary>
public sealed record Observation(double[] Point, IReadOnlyList<double> Losses, IReadOnlyList<double> Excess)
{
    /// <summary>One objective, no constraints.</summary>
    public Observation(double[] point, double loss)
        : this(point, [loss], []) { }

    /// <summary>The first objective's loss (the only one of a single-objective search).</summary>
    public double Loss => Losses[0];

    /// <summary>Whether it meets every constraint.</summary>
    public bool Feasible => Excess.All(e => e <= 0);

    /// <summary>Whether the search is about one number: one objective, no constraints (what every method began with).</summary>
    public bool IsSingle => Losses.Count == 1 && Excess.Count == 0;
}

/// <summary>
/// What a method proposes from: the space, the results it may use (in trial-id order), points proposed
/// but without a result it may use (the rounds still running), every point proposed so far (none may
/// come again), how many to propose, the round's own random stream, and the method's settings. Under several
/// objectives, <see cref="Reference"/>: the point (in losses) whose dominated hypervolume the sweep reports, when stated.
/// </summary>
public sealed record ProposalRequest(
    SearchSpace Space,
    IReadOnlyList<Observation> Observed,
    IReadOnlyList<double[]> Pending,
    IReadOnlyList<double[]> Proposed,
    int Count,
    Xoshiro256StarStar Random,
    Settings Settings,
    IReadOnlyList<double>? Reference = null
);

/// <summary>
/// A way of proposing configurations from results. Pure: the same request (and the same random
/// stream) gives the same points on every run. A new method is one file: the class (its name, its
/// settings with defaults and bounds, its proposals) and a line in <see cref="SearchMethods.All"/>.
/// </summary>
public interface ISearchMethod
{
    string Name { get; }

    /// <summary>Its own settings, given beside <c>method</c> in <c>sweep.search</c>; each has a default.</summary>
    IReadOnlyList<SettingKey> Keys { get; }

    /// <summary>Up to request.Count new canonical points a run allows; fewer only when the space has no more.</summary>
    IReadOnlyList<double[]> Propose(ProposalRequest request);
}

/// <summary>Every search method a config may name, one line each, and the one used when a config names none.</summary>
public static class SearchMethods
{
    public static readonly IReadOnlyList<ISearchMethod> All =
    [
        RandomSearch.Instance,
        GaussianProcessSearch.Instance,
        TpeSearch.Instance,
    ];

    public static ISearchMethod Default => GaussianProcessSearch.Instance;
}

/// <summary>
/// The points a round has taken so far, and the test every candidate passes: canonical, allowed by
/// a run, and not proposed before.
/// </summary>
public sealed class ProposalSet
{
    private readonly HashSet<string> seen = new();
    private readonly SearchSpace space;

    public ProposalSet(ProposalRequest request)
    {
        space = request.Space;
        foreach (var p in request.Proposed)
            seen.Add(Key(p));
        foreach (var o in request.Observed)
            seen.Add(Key(o.Point));
    }

    public List<double[]> Taken { get; } = new();

    /// <summary>Takes the point if it is new and allowed; false otherwise.</summary>
    public bool TryTake(double[] point)
    {
        var canonical = space.Canonical(point);
        if (seen.Contains(Key(canonical)) || !space.Allows(canonical))
            return false;
        seen.Add(Key(canonical));
        Taken.Add(canonical);
        return true;
    }

    /// <summary>Random points until the round is full or the space seems exhausted (many draws in a row taken before).</summary>
    public void FillRandomly(int count, Xoshiro256StarStar random)
    {
        for (var misses = 0; Taken.Count < count && misses < 1000; )
            misses = TryTake(space.Sample(random)) ? 0 : misses + 1;
    }

    public static string Key(IReadOnlyList<double> point) =>
        string.Join(",", point.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
}

/// <summary><c>random</c>: points drawn uniformly (log-uniform where the range says so); learns nothing.</summary>
public sealed class RandomSearch : ISearchMethod
{
    public static readonly RandomSearch Instance = new();

    public string Name => "random";

    public IReadOnlyList<SettingKey> Keys => [];

    public IReadOnlyList<double[]> Propose(ProposalRequest request)
    {
        var set = new ProposalSet(request);
        set.FillRandomly(request.Count, request.Random);
        return set.Taken;
    }
}
