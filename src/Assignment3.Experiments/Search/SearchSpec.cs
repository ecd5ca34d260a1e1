using System.Globalization;
using Akka.Configuration.Hocon;
using Assignment3.Core.Randomness;
using Assignment3.Experiments.Configuration;
using Assignment3.Experiments.Sweeps;

namespace Assignment3.Experiments.Search;

/// <summary>
/// A first stage that proposes its trials from results, round by round: <c>sweep.search</c>.
/// <code>
/// search {
///   method = gp        # random, gp (the default) or tpe; each method's own settings beside it (candidates = 1000)
///   trials = 40        # the budget: trials proposed in all
///   initial = 10       # round 0: the enqueued points, then random ones up to this many
///   batch = 4          # trials per later round
///   lag = 1            # rounds still running when the next is proposed (0: wait for every result)
///   random-fraction = 0  # share of every later round drawn uniformly (1/3 by default under early stopping: BOHB's rho)
///   space { lambda = { log-uniform = [1e-5, 1e-1] }, batch-norm = [false, true], width-1 = { log-uniform = [10, 200] } }
///   enqueue = [ { lambda = 0.005, batch-norm = true, width-1 = 50 } ]   # known points, evaluated first
///   warm-start = [ runs/earlier-search ]   # earlier search sweeps' folders (relative to this config's folder)
/// }
/// </code>
/// Round r is a pure function of the sweep seed and the results of rounds 0 to
/// <see cref="LastObservedRound"/>(r), taken in trial-id order (see <see cref="SearchRounds"/>).
/// </summary>
public sealed record SearchSpec(
    ISearchMethod Method,
    int Trials,
    int Initial,
    int Batch,
    int Lag,
    SearchSpace Space,
    IReadOnlyList<double[]> Enqueued,
    IReadOnlyList<string>? WarmStart = null,
    double RandomFraction = 0,
    Settings? MethodSettings = null
)
{
    /// <summary>The method's settings as the config gave them, defaults for the rest.</summary>
    public Settings Settings => MethodSettings ?? Settings.Defaults(Method.Keys);

    /// <summary>Under several objectives: the reference point (in losses) the sweep's hypervolume is measured against, when it is known before any result.</summary>
    public IReadOnlyList<double>? Reference { get; init; }

    private static readonly string[] Keys =
    [
        "method",
        "trials",
        "initial",
        "batch",
        "lag",
        "random-fraction",
        "space",
        "enqueue",
        "warm-start",
    ];

    /// <summary>
    /// BOHB's share of uniform draws in every model round (Falkner et al. 2018, rho = 1/3): the model fits
    /// the low budgets best, and the draws keep the brackets from all crowding into one corner of it.
    /// </summary>
    public const double BracketRandomFraction = 1.0 / 3;

    /// <summary>How many of a model round's <paramref name="count"/> points are drawn uniformly.</summary>
    public int RandomPoints(int count) => (int)Math.Round(count * RandomFraction, MidpointRounding.AwayFromZero);

    /// <summary>Trials in round r (0: the initial design), given how many the earlier rounds took.</summary>
    public int RoundSize(int round, int proposed) =>
        Math.Min(round == 0 ? Math.Max(Initial, Enqueued.Count) : Batch, Trials - proposed);

    /// <summary>
    /// The last round whose results round r learns from: r - 1 - lag, and at least the initial design
    /// (round 0; -1 for round 0 itself: it learns from nothing). The rounds after it, up to r - 1, may
    /// still be running: their points are pending. So slots wait for results only once, at the end of
    /// round 0; after that up to lag + 1 rounds are out at a time.
    /// </summary>
    public int LastObservedRound(int round) => round == 0 ? -1 : Math.Max(0, round - 1 - Lag);

    /// <param name="bracketed">Under early stopping (BOHB): random-fraction defaults to <see cref="BracketRandomFraction"/>.</param>
    public static SearchSpec Read(HoconValue value, ExperimentConfig experiment, string source, bool bracketed)
    {
        const string where = "sweep.search";
        if (!value.IsObject())
            throw new ConfigException(
                $"{source}: {where}: expected an object {{ method = gp, trials = 40, space {{ ... }} }}"
            );
        var items = value.GetObject().Items;
        var name = items.TryGetValue("method", out var m) ? HoconText.Scalar(m) : SearchMethods.Default.Name;
        var method = SearchMethods.All.FirstOrDefault(x => x.Name == name)
            ?? throw new ConfigException(
                $"{source}: {where}.method: '{name}' is not a search method; "
                    + $"expected {string.Join(", ", SearchMethods.All.Select(x => x.Name))}"
            );
        foreach (var key in items.Keys.Where(k => !Keys.Contains(k) && method.Keys.All(s => s.Name != k)))
            throw new ConfigException(
                SearchMethods.All.FirstOrDefault(x => x.Keys.Any(s => s.Name == key)) is { } other
                    ? $"{source}: {where}.{key}: a setting of method {other.Name}, not of {method.Name}; "
                        + (
                            method.Keys.Count == 0
                                ? $"{method.Name} takes no settings"
                                : $"{method.Name} takes {string.Join(", ", method.Keys.Select(k => k.Name))}"
                        )
                    : $"{source}: {where}.{key}: unknown key; allowed in {where}: {string.Join(", ", Keys.Concat(method.Keys.Select(k => k.Name)))}"
            );
        var settings = Settings.Read(items, method.Keys, $"{source}: {where}");
        var trials = Whole(items, "trials", 40, 1, source);
        var initial = Whole(items, "initial", Math.Min(10, trials), 1, source);
        var batch = Whole(items, "batch", 4, 1, source);
        var lag = Whole(items, "lag", 1, 0, source);
        var randomFraction =
            items.TryGetValue("random-fraction", out var f) ? ValueForms.Number(f, $"{source}: {where}.random-fraction")
            : bracketed ? BracketRandomFraction
            : 0;
        if (randomFraction is < 0 or > 1)
            throw new ConfigException(
                $"{source}: {where}.random-fraction: {HoconText.Scalar(f!)} is not a share from 0 to 1"
            );
        if (batch > trials)
            throw new ConfigException(
                $"{source}: {where}.batch: {batch} is larger than the trial budget {where}.trials = {trials}"
            );
        if (initial > trials)
            throw new ConfigException(
                $"{source}: {where}.initial: {initial} is larger than the trial budget {where}.trials = {trials}"
            );
        var space = SearchSpace.Read(items.GetValueOrDefault("space"), experiment, $"{source}: {where}.space");
        var enqueued = ReadEnqueued(items.GetValueOrDefault("enqueue"), space, $"{source}: {where}.enqueue");
        if (enqueued.Count > trials)
            throw new ConfigException(
                $"{source}: {where}.enqueue: {enqueued.Count} points, more than the trial budget {where}.trials = {trials}"
            );
        var warm = items.TryGetValue("warm-start", out var w) ? ReadFolders(w, $"{source}: {where}.warm-start") : [];
        return new SearchSpec(method, trials, initial, batch, lag, space, enqueued, warm, randomFraction, settings);
    }

    private static IReadOnlyList<string> ReadFolders(HoconValue value, string where)
    {
        if (!value.IsArray())
            throw new ConfigException($"{where}: expected a list of earlier sweeps' folders [\"runs/...\"]");
        var folders = value
            .GetArray()
            .Select(
                (v, i) =>
                    HoconText.Scalar(v) is { Length: > 0 } text
                        ? text
                        : throw new ConfigException($"{where}[{i}]: expected a folder")
            )
            .ToArray();
        // The same results twice would weigh twice in the model.
        for (var i = 0; i < folders.Length; i++)
            if (Array.FindIndex(folders, f => Same(f, folders[i])) is var first && first < i)
                throw new ConfigException(
                    $"{where}[{i}]: {folders[i]} is the same folder as {where}[{first}]; name each earlier sweep once"
                );
        return folders;
    }

    /// <summary>Whether two folders given relative to the same config are one (trailing separators and "." steps aside).</summary>
    private static bool Same(string a, string b) =>
        Path.TrimEndingDirectorySeparator(Path.GetFullPath(a, AppContext.BaseDirectory))
        == Path.TrimEndingDirectorySeparator(Path.GetFullPath(b, AppContext.BaseDirectory));

    private static IReadOnlyList<double[]> ReadEnqueued(HoconValue? value, SearchSpace space, string where)
    {
        if (value is null)
            return [];
        if (!value.IsArray())
            throw new ConfigException($"{where}: expected a list of points [ {{ {space.Dimensions[0].Key} = ... }} ]");
        var points = new List<double[]>();
        foreach (var (item, i) in value.GetArray().Select((v, i) => (v, i)))
        {
            if (!item.IsObject())
                throw new ConfigException($"{where}[{i}]: expected an object with a value for each searched key");
            var fields = item.GetObject().Items;
            foreach (var key in fields.Keys.Where(k => space.Dimensions.All(d => d.Key != k)))
                throw new ConfigException(
                    $"{where}[{i}].{key}: not in the search space; "
                        + $"searched: {string.Join(", ", space.Dimensions.Select(d => d.Key))}"
                );
            var point = new double[space.Count];
            for (var k = 0; k < space.Count; k++)
            {
                var d = space.Dimensions[k];
                var at = $"{where}[{i}].{d.Key}";
                if (!fields.TryGetValue(d.Key, out var v))
                {
                    point[k] = double.NaN;
                    continue;
                }
                point[k] = Coordinate(d, v, at);
            }
            for (var k = 0; k < space.Count; k++)
                if (double.IsNaN(point[k]))
                {
                    if (space.IsActive(point.Select(x => double.IsNaN(x) ? 0 : x).ToArray(), k))
                        throw new ConfigException(
                            $"{where}[{i}].{space.Dimensions[k].Key}: missing; an enqueued point gives every searched key it uses"
                        );
                    point[k] = space.Dimensions[k].Min;
                }
            var canonical = space.Canonical(point);
            try
            {
                space.Apply(canonical).Validate();
            }
            catch (ConfigException e)
            {
                throw new ConfigException($"{where}[{i}]: not a run a3 can train: {e.Message}");
            }
            if (points.Any(p => ProposalSet.Key(p) == ProposalSet.Key(canonical)))
                throw new ConfigException($"{where}[{i}]: the same point as an earlier one");
            points.Add(canonical);
        }
        return points;
    }

    private static double Coordinate(Dimension d, HoconValue value, string where)
    {
        if (d.Kind == DimensionKind.Categorical)
        {
            var read = d.Parameter is null ? HoconText.Whole(value, where, 1) : d.Parameter.Read(value, where);
            var text = d.Parameter?.Format(read) ?? read.ToString();
            for (var c = 0; c < d.Choices.Count; c++)
                if (d.Format(c) == text)
                    return c;
            throw new ConfigException(
                $"{where}: {text} is not one of the choices [{string.Join(", ", d.Choices.Select((_, c) => d.Format(c)))}]"
            );
        }
        var x = ValueForms.Number(value, where);
        var s = HoconText.Scalar(value);
        if (x < d.Min || x > d.Max || (d.Kind == DimensionKind.Integer && x != Math.Floor(x)))
            throw new ConfigException(
                $"{where}: {s} is outside the searched range [{d.Format(d.Min)}, {d.Format(d.Max)}]"
                    + (d.Kind == DimensionKind.Integer ? " of whole numbers" : "")
            );
        return x;
    }

    private static int Whole(
        IReadOnlyDictionary<string, HoconValue> items,
        string key,
        int fallback,
        int minimum,
        string source
    ) =>
        items.TryGetValue(key, out var value)
            ? HoconText.Whole(value, $"{source}: sweep.search.{key}", minimum)
            : fallback;
}

/// <summary>
/// What a round is proposed from: everything <see cref="SearchRounds.Propose"/> needs, a snapshot (the
/// coordinator computes it off its mailbox).
/// </summary>
public sealed record RoundRequest(
    SearchSpec Search,
    int Seed,
    string Stage,
    int Round,
    IReadOnlyList<Observation> Observed,
    IReadOnlyList<double[]> Pending,
    IReadOnlyList<double[]> Proposed,
    int Count
);

/// <summary>
/// Deterministic rounds: round r's points are a pure function of the sweep seed, the stage and the
/// request (the results of the rounds it learns from in trial-id order, the points of the rounds after
/// them, every point proposed): never of arrival order, worker count, timing or restarts.
/// </summary>
public static class SearchRounds
{
    public static double[][] Propose(RoundRequest request) => Round(request).Points;

    /// <summary>
    /// A whole search against an instant objective (benchmarks and tests), round by round as a sweep runs them:
    /// each round learns from the results of the rounds <see cref="SearchSpec.LastObservedRound"/> names, in
    /// trial order; every result, in trial order.
    /// </summary>
    public static IReadOnlyList<Observation> Simulate(SearchSpec search, int seed, Func<double[], Observation> evaluate)
    {
        var results = new List<Observation>();
        var rounds = new List<int>();
        for (var round = 0; results.Count < search.Trials; round++)
        {
            var last = search.LastObservedRound(round);
            var proposed = Propose(
                new RoundRequest(
                    search,
                    seed,
                    SweepConfig.FirstStage,
                    round,
                    results.Where((_, i) => rounds[i] <= last).ToArray(),
                    results.Where((_, i) => rounds[i] > last).Select(o => o.Point).ToArray(),
                    results.Select(o => o.Point).ToArray(),
                    search.RoundSize(round, results.Count)
                )
            );
            if (proposed.Length == 0)
                break;
            foreach (var point in proposed)
            {
                results.Add(evaluate(point));
                rounds.Add(round);
            }
        }
        return results;
    }

    /// <summary>The round as its event: its points, and how many of them (the last) were drawn uniformly.</summary>
    public static RoundProposed Round(RoundRequest request)
    {
        var random = new Xoshiro256StarStar(
            (ulong)Xoshiro256StarStar.StableSeed(request.Seed, $"search|{request.Stage}|round {request.Round}")
        );
        var search = request.Search;
        var proposal = new ProposalRequest(
            search.Space,
            request.Observed,
            request.Pending,
            request.Proposed,
            request.Count,
            random,
            search.Settings,
            search.Reference
        );
        // Round 0: the enqueued points, then uniform ones (every method starts from a design it did not choose).
        // Later rounds: the method's points, then the random fraction's uniform ones.
        var first =
            request.Round == 0
                ? search.Enqueued.Take(request.Count)
                : search.Method.Propose(proposal with { Count = request.Count - search.RandomPoints(request.Count) });
        var set = new ProposalSet(proposal);
        foreach (var point in first)
            set.TryTake(point);
        var chosen = set.Taken.Count;
        set.FillRandomly(request.Count, random);
        return new RoundProposed(request.Stage, request.Round, set.Taken.ToArray(), set.Taken.Count - chosen);
    }
}
