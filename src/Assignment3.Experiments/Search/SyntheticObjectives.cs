namespace Assignment3.Experiments.Search;

/// <summary>
/// Test functions of known minimum for measuring search methods without training anything: a
/// synthetic objective over a plain space, evaluated instantly, through the same deterministic rounds
/// as a sweep (<see cref="SearchRounds"/>).
/// </summary>
public sealed record SyntheticObjective(
    string Name,
    SearchSpace Space,
    Func<double[], double> Evaluate,
    double Minimum,
    double NoiseSd = 0
)
{
    private static Dimension Range(string key, double min, double max) =>
        new(key, DimensionKind.Continuous, min, max, false, [], null);

    /// <summary>Branin-Hoo on [-5, 10] x [0, 15]: three global minima of 0.397887.</summary>
    public static readonly SyntheticObjective Branin = new(
        "branin",
        SearchSpace.Of([Range("x1", -5, 10), Range("x2", 0, 15)]),
        x =>
        {
            const double b = 5.1 / (4 * Math.PI * Math.PI),
                c = 5 / Math.PI,
                t = 1 / (8 * Math.PI);
            var y = x[1] - b * x[0] * x[0] + c * x[0] - 6;
            return y * y + 10 * (1 - t) * Math.Cos(x[0]) + 10;
        },
        0.397887357729739
    );

    private static readonly double[] HartmannAlpha = [1.0, 1.2, 3.0, 3.2];
    private static readonly double[,] HartmannA =
    {
        { 10, 3, 17, 3.5, 1.7, 8 },
        { 0.05, 10, 17, 0.1, 8, 14 },
        { 3, 3.5, 1.7, 10, 17, 8 },
        { 17, 8, 0.05, 10, 0.1, 14 },
    };
    private static readonly double[,] HartmannP =
    {
        { 0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886 },
        { 0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991 },
        { 0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650 },
        { 0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381 },
    };

    /// <summary>Hartmann-6 on [0, 1]^6: global minimum -3.32237.</summary>
    public static readonly SyntheticObjective Hartmann6 = new(
        "hartmann6",
        SearchSpace.Of(Enumerable.Range(1, 6).Select(i => Range($"x{i}", 0, 1)).ToArray()),
        x =>
        {
            var sum = 0.0;
            for (var i = 0; i < 4; i++)
            {
                var inner = 0.0;
                for (var j = 0; j < 6; j++)
                    inner += HartmannA[i, j] * (x[j] - HartmannP[i, j]) * (x[j] - HartmannP[i, j]);
                sum += HartmannAlpha[i] * Math.Exp(-inner);
            }
            return -sum;
        },
        -3.32236801141551
    );

    /// <summary>Branin observed with Gaussian noise of sd 1 (regret is still measured on the noiseless function).</summary>
    public static readonly SyntheticObjective NoisyBranin = Branin with { Name = "branin-noisy", NoiseSd = 1 };

    public static readonly IReadOnlyList<SyntheticObjective> All = [Branin, Hartmann6, NoisyBranin];

    /// <summary>
    /// A search of <paramref name="search"/>'s budget on this objective, round by round as a sweep runs
    /// them (results of the rounds SearchSpec.LastObservedRound names, in trial order): the simple regret after each
    /// evaluation (the noiseless value of the best observed point, minus the minimum).
    /// </summary>
    public double[] Run(SearchSpec search, int seed)
    {
        var points = new List<double[]>();
        var rounds = new List<int>();
        var observed = new List<double>();
        var noise = new Core.Randomness.Xoshiro256StarStar(
            (ulong)Core.Randomness.Xoshiro256StarStar.StableSeed(seed, $"noise|{Name}")
        );
        for (var round = 0; points.Count < search.Trials; round++)
        {
            var last = search.LastObservedRound(round);
            var seen = Enumerable
                .Range(0, points.Count)
                .Where(i => rounds[i] <= last)
                .Select(i => new Observation(points[i], observed[i]))
                .ToArray();
            var pending = Enumerable
                .Range(0, points.Count)
                .Where(i => rounds[i] > last)
                .Select(i => points[i])
                .ToArray();
            var proposed = SearchRounds.Propose(
                new RoundRequest(
                    search,
                    seed,
                    "coarse",
                    round,
                    seen,
                    pending,
                    points.ToArray(),
                    search.RoundSize(round, points.Count)
                )
            );
            if (proposed.Length == 0)
                break;
            foreach (var p in proposed)
            {
                points.Add(p);
                rounds.Add(round);
                observed.Add(Evaluate(p) + NoiseSd * SearchDraws.StandardNormal(noise));
            }
        }
        var regret = new double[points.Count];
        var best = double.PositiveInfinity;
        var bestObserved = double.PositiveInfinity;
        for (var i = 0; i < points.Count; i++)
        {
            if (observed[i] < bestObserved)
                (bestObserved, best) = (observed[i], Evaluate(points[i]));
            regret[i] = best - Minimum;
        }
        return regret;
    }

    public SearchSpec Search(ISearchMethod method, int trials = 40, int initial = 10, int batch = 4, int lag = 1) =>
        new(method, trials, initial, batch, lag, Space, []);
}

/// <summary>
/// A test problem of several objectives (all minimized) with a known Pareto front: its hypervolume against
/// <paramref name="Reference"/> is <paramref name="FrontHypervolume"/>, the most any set of points can reach.
/// </summary>
public sealed record SyntheticFront(
    string Name,
    SearchSpace Space,
    Func<double[], double[]> Evaluate,
    double[] Reference,
    double FrontHypervolume
)
{
    private static SearchSpace Unit(int variables) =>
        SearchSpace.Of(
            Enumerable
                .Range(1, variables)
                .Select(i => new Dimension($"x{i}", DimensionKind.Continuous, 0, 1, false, [], null))
                .ToArray()
        );

    /// <summary>
    /// ZDT1 on [0, 1]^6 (Zitzler, Deb and Thiele 2000): f1 = x1, f2 = g (1 - sqrt(x1 / g)), g = 1 + 9 mean(x2..x6);
    /// front f2 = 1 - sqrt(f1). Against (11, 11) (f2 reaches 10; a reference near the front would leave uniform
    /// draws, whose g is about 5.5, with nothing): 121 less the 1/3 under the front.
    /// </summary>
    public static readonly SyntheticFront Zdt1 = new(
        "zdt1",
        Unit(6),
        x =>
        {
            var g = 1 + 9 * x.Skip(1).Average();
            return [x[0], g * (1 - Math.Sqrt(x[0] / g))];
        },
        [11, 11],
        121 - 1.0 / 3
    );

    /// <summary>
    /// DTLZ2 on [0, 1]^6 with 3 objectives (Deb et al. 2002): a point on the sphere of radius 1 + g, g = the sum
    /// of (x_i - 0.5)^2 over x3..x6; front: the positive octant of the unit sphere. Against (1.1, 1.1, 1.1):
    /// 1.1^3 - pi / 6.
    /// </summary>
    public static readonly SyntheticFront Dtlz2 = new(
        "dtlz2",
        Unit(6),
        x =>
        {
            var radius = 1 + x.Skip(2).Sum(v => (v - 0.5) * (v - 0.5));
            var (a, b) = (x[0] * Math.PI / 2, x[1] * Math.PI / 2);
            return [radius * Math.Cos(a) * Math.Cos(b), radius * Math.Cos(a) * Math.Sin(b), radius * Math.Sin(a)];
        },
        [1.1, 1.1, 1.1],
        1.1 * 1.1 * 1.1 - Math.PI / 6
    );

    public static readonly IReadOnlyList<SyntheticFront> All = [Zdt1, Dtlz2];

    /// <summary>The hypervolume of the first 1..n evaluated points after each evaluation.</summary>
    public double[] HypervolumeAfterEach(IReadOnlyList<double[]> points)
    {
        var values = new List<IReadOnlyList<double>>();
        return points
            .Select(p =>
            {
                values.Add(Evaluate(p));
                return Pareto.Hypervolume(values, Reference);
            })
            .ToArray();
    }
}
