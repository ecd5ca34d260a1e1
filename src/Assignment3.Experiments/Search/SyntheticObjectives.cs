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
        var noise = new Core.Randomness.Xoshiro256StarStar(
            (ulong)Core.Randomness.Xoshiro256StarStar.StableSeed(seed, $"noise|{Name}")
        );
        var evaluated = SearchRounds.Simulate(search, seed, p => new Observation(
            p,
            Evaluate(p) + NoiseSd * SearchDraws.StandardNormal(noise)
        ));
        var regret = new double[evaluated.Count];
        var best = double.PositiveInfinity;
        var bestObserved = double.PositiveInfinity;
        for (var i = 0; i < evaluated.Count; i++)
        {
            if (evaluated[i].Loss < bestObserved)
                (bestObserved, best) = (evaluated[i].Loss, Evaluate(evaluated[i].Point));
            regret[i] = best - Minimum;
        }
        return regret;
    }

    public SearchSpec Search(ISearchMethod method, int trials = 40, int initial = 10, int batch = 4, int lag = 1) =>
        new(method, trials, initial, batch, lag, Space, []);
}

/// <summary>
/// A test problem of several objectives (all minimized) with a known Pareto front: its hypervolume against
/// <paramref name="Reference"/> is <paramref name="FrontHypervolume"/>, the most any set of points can reach
/// (null: not known in closed form). <paramref name="Excess"/>: a constraint on the objectives' values (met at
/// or below 0), a result only a trial tells.
/// </summary>
public sealed record SyntheticFront(
    string Name,
    SearchSpace Space,
    Func<double[], double[]> Evaluate,
    double[] Reference,
    double? FrontHypervolume,
    Func<double[], double>? Excess = null
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

    /// <summary>
    /// C2-DTLZ2 (Deb and Jain 2014), 3 objectives: DTLZ2 where only points near the front's three corners
    /// (within 0.4 of each unit vector) or near its middle (within 0.4 of the ray 1/sqrt(3)) are feasible.
    /// </summary>
    public static readonly SyntheticFront C2Dtlz2 = Dtlz2 with
    {
        Name = "c2-dtlz2",
        FrontHypervolume = null,
        Excess = f =>
        {
            const double r2 = 0.4 * 0.4;
            var squares = f.Sum(v => v * v);
            var corners = Enumerable.Range(0, f.Length).Min(i => squares - f[i] * f[i] + (f[i] - 1) * (f[i] - 1) - r2);
            var middle = f.Sum(v => (v - 1 / Math.Sqrt(f.Length)) * (v - 1 / Math.Sqrt(f.Length))) - r2;
            return Math.Min(corners, middle);
        },
    };

    /// <summary>
    /// DTLZ2 where only half the space is feasible: f2 &lt;= f1, which holds exactly where x2 &lt;= 1/2 (a smooth
    /// bound, like the ones sweeps put on results, e.g. on overfitting).
    /// </summary>
    public static readonly SyntheticFront HalfDtlz2 = Dtlz2 with
    {
        Name = "dtlz2-half",
        FrontHypervolume = null,
        Excess = f => f[1] - f[0],
    };

    public static readonly IReadOnlyList<SyntheticFront> All = [Zdt1, Dtlz2, C2Dtlz2, HalfDtlz2];

    /// <summary>What a search (or a point) learns here: the objectives, and the constraint's excess if there is one.</summary>
    public Observation Observe(double[] point)
    {
        var values = Evaluate(point);
        return new Observation(point, values, Excess is null ? [] : [Excess(values)]);
    }

    /// <summary>The hypervolume of the feasible among the first 1..n results after each one.</summary>
    public double[] HypervolumeAfterEach(IReadOnlyList<Observation> results)
    {
        var values = new List<IReadOnlyList<double>>();
        return results
            .Select(o =>
            {
                if (o.Feasible)
                    values.Add(o.Losses);
                return Pareto.Hypervolume(values, Reference);
            })
            .ToArray();
    }

    /// <summary>A search of <paramref name="search"/>'s budget here, round by round as a sweep runs them: every result in trial order.</summary>
    public IReadOnlyList<Observation> Run(SearchSpec search, int seed) => SearchRounds.Simulate(search, seed, Observe);

    /// <summary>A search here, measuring improvement against the problem's reference point (as a sweep against its stated one).</summary>
    public SearchSpec Search(ISearchMethod method, int trials = 60, int initial = 10, int batch = 4, int lag = 1) =>
        new(method, trials, initial, batch, lag, Space, []) { Reference = Reference };
}
