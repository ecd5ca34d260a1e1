using Assignment3.Core.Randomness;
using Assignment3.Experiments.Configuration;
using MathNet.Numerics.Distributions;

namespace Assignment3.Experiments.Search;

/// <summary>
/// <c>tpe</c>: the tree-structured Parzen estimator (Bergstra et al., NeurIPS 2011) with Optuna's
/// defaults (see <see cref="Keys"/>): the best min(ceil(gamma n), gamma-max) results form l(x), the rest
/// g(x), each a multivariate Parzen estimator (product kernels over all dimensions, one component per
/// result plus a prior component of weight prior-weight; numeric bandwidth 0.2 n^(-1/(d+4)) of the
/// range, truncated to it; categorical components with 1 on the observed choice plus the prior spread
/// evenly); `candidates` points drawn from l, the one with the largest log l - log g taken. Points without a result (the rounds
/// still running, and those already taken in this round) join g as the worst results (constant liar),
/// which pushes the next point away from them.
/// </summary>
public sealed class TpeSearch : ISearchMethod
{
    public static readonly TpeSearch Instance = new();

    /// <summary>Optuna's _ParzenEstimator SIGMA0_MAGNITUDE: the multivariate bandwidth is this times n^(-1/(d+4)) (Scott's rule) of the range.</summary>
    private const double BandwidthMagnitude = 0.2;

    /// <summary>Optuna's default_weights: the newest 25 points weigh 1, older ones ramp down from 1/n.</summary>
    private const int FlatWeights = 25;

    public string Name => "tpe";

    public IReadOnlyList<SettingKey> Keys { get; } =
    [
        new("candidates", 24, 1) { Source = "Optuna's n_ei_candidates" },
        new("prior-weight", 1.0, 1e-6, Whole: false) { Source = "Optuna's prior_weight" },
        new("gamma", 0.1, 1e-6, Whole: false)
        {
            Maximum = 1,
            Source = "Optuna's default_gamma: the best ceil(gamma n) results form l(x)",
        },
        new("gamma-max", 25, 1) { Source = "Optuna's default_gamma: at most this many results form l(x)" },
    ];

    public IReadOnlyList<double[]> Propose(ProposalRequest request)
    {
        var space = request.Space;
        var set = new ProposalSet(request);
        if (request.Observed.Count < 2)
        {
            set.FillRandomly(request.Count, request.Random);
            return set.Taken;
        }
        var settings = request.Settings;
        var (below, above) = Split(
            request.Observed,
            Gamma(request.Observed.Count, settings.Value("gamma"), settings.Whole("gamma-max"))
        );
        above.AddRange(request.Pending);
        for (var misses = 0; set.Taken.Count < request.Count && misses < 100; )
        {
            var good = new Parzen(space, below, settings.Value("prior-weight"));
            var bad = new Parzen(space, [.. above, .. set.Taken], settings.Value("prior-weight"));
            var best = Enumerable
                .Range(0, settings.Whole("candidates"))
                .Select(_ => good.Sample(request.Random))
                .Select((p, i) => (Point: p, Score: good.LogDensity(p) - bad.LogDensity(p), Order: i))
                .OrderByDescending(c => c.Score)
                .ThenBy(c => c.Order)
                .FirstOrDefault(c => set.TryTake(c.Point));
            misses = best.Point is null ? misses + 1 : 0;
        }
        if (set.Taken.Count < request.Count)
            set.FillRandomly(request.Count, request.Random);
        return set.Taken;
    }

    /// <summary>
    /// The results that form l(x) (<paramref name="count"/> of them) and those that form g(x). One objective:
    /// the lowest losses (ties by trial order), in that order. Several objectives or constraints (Optuna's
    /// MOTPE with its constraint handling): feasible results by non-dominated rank, the rank that does not fit
    /// whole chosen from by greedy hypervolume contribution (on losses scaled to [0, 1] within it, against 1.1),
    /// then infeasible ones by their summed excess; both lists in trial order.
    /// </summary>
    private static (List<double[]> Below, List<double[]> Above) Split(IReadOnlyList<Observation> observed, int count)
    {
        if (observed[0].IsSingle)
        {
            var ranked = observed
                .Select((o, i) => (o, i))
                .OrderBy(x => x.o.Loss)
                .ThenBy(x => x.i)
                .Select(x => x.o.Point)
                .ToList();
            return (ranked.Take(count).ToList(), ranked.Skip(count).ToList());
        }
        var feasible = Enumerable.Range(0, observed.Count).Where(i => observed[i].Feasible).ToArray();
        var ranks = Pareto.Ranks(feasible.Select(i => observed[i].Losses).ToArray());
        var chosen = new List<int>();
        for (var rank = 0; chosen.Count < count && ranks.Contains(rank); rank++)
        {
            var members = feasible.Where((_, f) => ranks[f] == rank).ToArray();
            chosen.AddRange(
                chosen.Count + members.Length <= count
                    ? members
                    : GreedyHypervolume(members.Select(i => observed[i].Losses).ToArray(), count - chosen.Count)
                        .Select(m => members[m])
            );
        }
        chosen.AddRange(
            Enumerable
                .Range(0, observed.Count)
                .Where(i => !observed[i].Feasible)
                .OrderBy(i => observed[i].Excess.Sum(e => Math.Max(0, e)))
                .ThenBy(i => i)
                .Take(count - chosen.Count)
        );
        var below = chosen.ToHashSet();
        return (
            Enumerable.Range(0, observed.Count).Where(below.Contains).Select(i => observed[i].Point).ToList(),
            Enumerable.Range(0, observed.Count).Where(i => !below.Contains(i)).Select(i => observed[i].Point).ToList()
        );
    }

    /// <summary>Indices of <paramref name="count"/> of the vectors, each in turn the one adding the most hypervolume (ties: the first).</summary>
    private static IEnumerable<int> GreedyHypervolume(IReadOnlyList<double>[] losses, int count)
    {
        var m = losses[0].Count;
        var (low, high) = (
            Enumerable.Range(0, m).Select(k => losses.Min(l => l[k])).ToArray(),
            Enumerable.Range(0, m).Select(k => losses.Max(l => l[k])).ToArray()
        );
        var scaled = losses
            .Select(l =>
                (IReadOnlyList<double>)
                    l.Select((v, k) => high[k] > low[k] ? (v - low[k]) / (high[k] - low[k]) : 0).ToArray()
            )
            .ToArray();
        var reference = Enumerable.Repeat(1.1, m).ToArray();
        var selected = new List<int>();
        while (selected.Count < count)
            selected.Add(
                Enumerable
                    .Range(0, scaled.Length)
                    .Where(i => !selected.Contains(i))
                    .Select(i =>
                        (i, Volume: Pareto.Hypervolume([.. selected.Select(s => scaled[s]), scaled[i]], reference))
                    )
                    .OrderByDescending(x => x.Volume)
                    .ThenBy(x => x.i)
                    .First()
                    .i
            );
        return selected;
    }

    /// <summary>How many of n results form l(x): Optuna's default split, the best share gamma rounded up, at most <paramref name="most"/>.</summary>
    private static int Gamma(int n, double gamma, int most) => Math.Min((int)Math.Ceiling(gamma * n), most);

    /// <summary>
    /// A mixture of one product kernel per point plus the prior (the middle of every range, as wide as
    /// the range; categorical: even). Optuna's default weights: equal below 25 points, older points
    /// ramped down beyond.
    /// </summary>
    private sealed class Parzen
    {
        private readonly SearchSpace space;
        private readonly double[][] centres; // per component, per dimension: [0, 1] position or choice index; the prior last
        private readonly double[] logWeights;
        private readonly double[] sigmas; // per dimension (numeric); the prior's is 1
        private readonly double[] categoricalLogOwn,
            categoricalLogOther; // per categorical dimension: log p(observed choice), log p(another)

        public Parzen(SearchSpace space, IReadOnlyList<double[]> points, double priorWeight)
        {
            this.space = space;
            var d = space.Count;
            var n = points.Count;
            centres = [.. points.Select(p => UnitEncoding.Encode(space, p)), new double[d]];
            var weights = Weights(n).Append(priorWeight).ToArray();
            var total = weights.Sum();
            logWeights = weights.Select(w => Math.Log(w / total)).ToArray();
            var bandwidth = BandwidthMagnitude * Math.Pow(Math.Max(n, 1), -1.0 / (d + 4));
            sigmas = Enumerable.Repeat(bandwidth, d).ToArray();
            categoricalLogOwn = new double[d];
            categoricalLogOther = new double[d];
            for (var k = 0; k < d; k++)
            {
                var dim = space.Dimensions[k];
                if (dim.Kind != DimensionKind.Categorical)
                    continue;
                var c = dim.Choices.Count;
                var spread = priorWeight / (n + 1); // Optuna: the prior weight spread over every component's choices
                categoricalLogOwn[k] = Math.Log((1 + spread) / (1 + c * spread));
                categoricalLogOther[k] = Math.Log(spread / (1 + c * spread));
                centres[^1][k] = -1; // the prior component: every choice alike
            }
            for (var k = 0; k < d; k++)
                if (space.Dimensions[k].Kind != DimensionKind.Categorical)
                    centres[^1][k] = 0.5;
        }

        private static IEnumerable<double> Weights(int n) =>
            n < FlatWeights
                ? Enumerable.Repeat(1.0, n)
                : Enumerable
                    .Range(0, n - FlatWeights)
                    .Select(i => 1.0 / n + (1 - 1.0 / n) * i / Math.Max(1, n - FlatWeights - 1))
                    .Concat(Enumerable.Repeat(1.0, FlatWeights));

        public double[] Sample(Xoshiro256StarStar random)
        {
            var u = random.NextDouble();
            var component = 0;
            for (
                var acc = Math.Exp(logWeights[0]);
                component < logWeights.Length - 1 && u > acc;
                acc += Math.Exp(logWeights[++component])
            ) { }
            var prior = component == centres.Length - 1;
            var point = new double[space.Count];
            for (var k = 0; k < space.Count; k++)
            {
                var dim = space.Dimensions[k];
                if (dim.Kind == DimensionKind.Categorical)
                {
                    var own = prior ? -1 : (int)centres[component][k];
                    if (own < 0 || dim.Choices.Count == 1)
                        point[k] = random.Next(dim.Choices.Count);
                    else if (random.NextDouble() < Math.Exp(categoricalLogOwn[k]))
                        point[k] = own;
                    else
                        point[k] = (own + 1 + random.Next(dim.Choices.Count - 1)) % dim.Choices.Count; // one of the others, alike
                    continue;
                }
                var sigma = prior ? 1.0 : sigmas[k];
                var x = double.NaN;
                for (var tries = 0; tries < 100 && !(x is >= 0 and <= 1); tries++)
                    x = centres[component][k] + sigma * SearchDraws.StandardNormal(random);
                point[k] = dim.FromUnit(double.IsNaN(x) ? 0.5 : Math.Clamp(x, 0, 1));
            }
            return space.Canonical(point);
        }

        public double LogDensity(double[] point)
        {
            var x = UnitEncoding.Encode(space, point);
            var terms = new double[centres.Length];
            for (var j = 0; j < centres.Length; j++)
            {
                var prior = j == centres.Length - 1;
                var log = logWeights[j];
                for (var k = 0; k < x.Length; k++)
                {
                    var dim = space.Dimensions[k];
                    if (dim.Kind == DimensionKind.Categorical)
                        log +=
                            prior ? -Math.Log(dim.Choices.Count)
                            : x[k] == centres[j][k] ? categoricalLogOwn[k]
                            : categoricalLogOther[k];
                    else
                        log += TruncatedNormalLogPdf(x[k], centres[j][k], prior ? 1.0 : sigmas[k]);
                }
                terms[j] = log;
            }
            var most = terms.Max();
            return most + Math.Log(terms.Sum(t => Math.Exp(t - most)));
        }

        private static double TruncatedNormalLogPdf(double x, double mu, double sigma)
        {
            var z = (x - mu) / sigma;
            var mass = Normal.CDF(0, 1, (1 - mu) / sigma) - Normal.CDF(0, 1, -mu / sigma);
            return -0.5 * z * z - Math.Log(sigma * Math.Sqrt(2 * Math.PI)) - Math.Log(Math.Max(mass, 1e-300));
        }
    }
}
