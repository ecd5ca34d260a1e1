using Assignment3.Core.Randomness;
using Assignment3.Experiments.Configuration;
using MathNet.Numerics.Distributions;

namespace Assignment3.Experiments.Search;

/// <summary>
/// <c>gp</c>: Bayesian optimization with a <see cref="GaussianProcess"/> and expected improvement.
/// Each proposal maximizes EI over seeded candidates: uniform draws, then Gaussian steps around the
/// best results and the best candidates, shrinking. A round's points differ by the kriging believer:
/// each point taken (and each pending one, from the round still running) joins the model with its
/// predicted mean as if it were a result, so EI there drops to nearly zero and the next point goes elsewhere.
/// </summary>
public sealed class GaussianProcessSearch : ISearchMethod
{
    public static readonly GaussianProcessSearch Instance = new();

    // Where EI is maximized (ours, as in Spearmint's random-then-local scheme): around the best 5 results
    // and the best 5 candidates, Gaussian steps shrinking through these scales (in [0, 1] units); a
    // categorical dimension redrawn with this probability.
    private const int Centres = 5;
    private static readonly double[] LocalScales = [0.1, 0.03, 0.01];
    private const double CategoricalRedraw = 0.2;

    public string Name => "gp";

    public IReadOnlyList<SettingKey> Keys { get; } =
    [
        new("candidates", 1000, 1) { Source = "ours: uniform draws scored by EI for each point proposed" },
        new("local-candidates", 60, 0)
        {
            Source = "ours: per scale, local-candidates / 5 Gaussian steps around each centre",
        },
    ];

    public IReadOnlyList<double[]> Propose(ProposalRequest request)
    {
        var space = request.Space;
        var set = new ProposalSet(request);
        if (request.Observed.Count > 0 && !request.Observed[0].IsSingle)
            return ProposeTradeOffs(request, set);
        if (request.Observed.Select(o => o.Loss).Distinct().Count() < 2)
        {
            set.FillRandomly(request.Count, request.Random); // nothing to learn from yet
            return set.Taken;
        }
        var (model, targets) = FitModel(space, request.Observed, request.Random);
        var best = targets.Min();
        foreach (var pending in request.Pending)
            model = Believe(model, space, pending);
        var centres = request.Observed.OrderBy(o => o.Loss).Take(Centres).Select(o => o.Point).ToList();
        while (set.Taken.Count < request.Count)
        {
            var current = model;
            var candidates = Candidates(space, request, centres, points =>
            {
                var (mean, sd) = current.Predict(points.Select(p => UnitEncoding.Encode(space, p)).ToArray());
                return mean.Select((m, i) => ExpectedImprovement(m, sd[i], best)).ToArray();
            });
            if (!TakeBest(set, candidates, request))
                break;
            model = Believe(model, space, set.Taken[^1]);
        }
        return set.Taken;
    }

    /// <summary>
    /// Takes the best-scored candidate not proposed before; when every one was, fills the round at random
    /// (the model has nothing new) and says so.
    /// </summary>
    private static bool TakeBest(ProposalSet set, List<Candidate> candidates, ProposalRequest request)
    {
        var ranked = candidates.OrderByDescending(c => c.Score).ThenBy(c => c.Order);
        if (ranked.FirstOrDefault(c => set.TryTake(c.Point)).Point is not null)
            return true;
        set.FillRandomly(request.Count, request.Random);
        return false;
    }

    /// <summary>
    /// Several objectives, or constraints on results: one GP per objective and per constraint (each fitted to
    /// its standardized values, in that order, from the round's stream), candidates scored by the expected
    /// hypervolume improvement over the feasible results' front (<see cref="HypervolumeImprovement"/>, from the
    /// reference point of <see cref="Reference"/>) times the probability of meeting every
    /// constraint, once that probability is at least a half (below, by the probability alone, after every such
    /// candidate). One objective with constraints is expected improvement times that probability. Batches by
    /// the kriging believer as above: a believed point joins every model at its predicted means, and the front
    /// when those meet the constraints.
    /// </summary>
    private static IReadOnlyList<double[]> ProposeTradeOffs(ProposalRequest request, ProposalSet set)
    {
        var (space, observed) = (request.Space, request.Observed);
        if (observed.Count < 2)
        {
            set.FillRandomly(request.Count, request.Random);
            return set.Taken;
        }
        var objectives = observed[0].Losses.Count;
        var constraints = observed[0].Excess.Count;
        var inputs = observed.Select(o => UnitEncoding.Encode(space, o.Point)).ToArray();
        // Past the exact limit each model is fitted from the fixed start alone: with one model per objective and
        // constraint the seeded restarts would take most of a round, and there they rarely beat the fixed start.
        var restarts = observed.Count > GaussianProcess.ExactObservations ? 0 : GaussianProcess.Restarts;
        var fits = Enumerable
            .Range(0, objectives)
            .Select(k => observed.Select(o => o.Losses[k]).ToArray())
            .Concat(Enumerable.Range(0, constraints).Select(j => observed.Select(o => o.Excess[j]).ToArray()))
            .Select(values => FitValues(space, inputs, values, request.Random, restarts))
            .ToArray();
        var models = fits.Select(f => f.Model).ToArray();
        var bounds = fits.Skip(objectives).Select(f => f.Standardize(0)).ToArray();
        var feasible = Enumerable
            .Range(0, observed.Count)
            .Where(i => observed[i].Feasible)
            .Select(i => (IReadOnlyList<double>)fits.Take(objectives).Select(f => f.Targets[i]).ToArray())
            .ToList();
        var front = Pareto.Front(feasible).Select(i => feasible[i]).ToList(); // only these shape the improvement
        var reference = Reference(request.Reference, observed, front, fits[..objectives]);
        var centres = TradeOffCentres(observed, feasible, fits, objectives, bounds);

        void BelieveAll(double[] point)
        {
            var input = UnitEncoding.Encode(space, point);
            var means = models.Select(m => m.Predict([input]).Mean[0]).ToArray();
            for (var k = 0; k < models.Length; k++)
                models[k] = models[k].With(input, means[k]);
            var believed = means[..objectives];
            if (
                bounds.Select((b, j) => means[objectives + j] <= b).All(met => met)
                && !front.Any(p => Pareto.Dominates(p, believed))
            )
            {
                front.RemoveAll(p => Pareto.Dominates(believed, p));
                front.Add(believed);
            }
        }
        foreach (var pending in request.Pending)
            BelieveAll(pending);
        while (set.Taken.Count < request.Count)
        {
            var improvement = new HypervolumeImprovement(front, reference);
            var candidates = Candidates(space, request, centres, points =>
            {
                var encoded = points.Select(p => UnitEncoding.Encode(space, p)).ToArray();
                var predicted = models.Select(m => m.Predict(encoded)).ToArray();
                return Enumerable
                    .Range(0, points.Count)
                    .Select(i =>
                    {
                        var feasible = 1.0;
                        for (var j = 0; j < constraints; j++)
                        {
                            var (mean, sd) = (predicted[objectives + j].Mean[i], predicted[objectives + j].Sd[i]);
                            feasible *=
                                sd > 0 ? Normal.CDF(0, 1, (bounds[j] - mean) / sd)
                                : mean <= bounds[j] ? 1
                                : 0;
                        }
                        var means = predicted.Take(objectives).Select(p => p.Mean[i]).ToArray();
                        var sds = predicted.Take(objectives).Select(p => p.Sd[i]).ToArray();
                        // Feasibility first: a candidate more likely to break a constraint than not ranks below
                        // every likely feasible one, by its probability (on C2-DTLZ2 this halved the infeasible share).
                        return feasible >= 0.5 ? feasible * improvement.Expected(means, sds) : feasible - 1;
                    })
                    .ToArray();
            });
            if (!TakeBest(set, candidates, request))
                break;
            BelieveAll(set.Taken[^1]);
        }
        return set.Taken;
    }

    /// <summary>
    /// The reference point the improvement is measured against, in the models' units: the one the search states
    /// (the sweep's or the problem's), once some feasible result lies inside it; else BoTorch's heuristic, the
    /// front's worst value in each objective plus a tenth of its range there (of every result's range when the
    /// front is one point or none), so the search fills in the front rather than stretching its ends.
    /// </summary>
    private static double[] Reference(
        IReadOnlyList<double>? stated,
        IReadOnlyList<Observation> observed,
        List<IReadOnlyList<double>> front,
        Fitted[] fits
    )
    {
        if (stated is not null && observed.Any(o => o.Feasible && o.Losses.Select((v, k) => v < stated[k]).All(b => b)))
            return fits.Select((f, k) => f.Standardize(stated[k])).ToArray();
        var members = Pareto.Front(front).Select(i => front[i]).ToArray();
        return fits.Select(
                (f, k) =>
                {
                    var values = members.Select(m => m[k]).ToArray();
                    var (low, high) =
                        values.Length > 1 ? (values.Min(), values.Max()) : (f.Targets.Min(), f.Targets.Max());
                    return (values.Length > 0 ? values.Max() : f.Targets.Max()) + 0.1 * Math.Max(high - low, 1e-9);
                }
            )
            .ToArray();
    }

    /// <summary>
    /// Where the local candidates start: up to <see cref="Centres"/> members of the feasible front spread along
    /// the first objective; with none feasible, the results closest to meeting the constraints.
    /// </summary>
    /// <param name="losses">The feasible results' standardized losses, in their order.</param>
    private static List<double[]> TradeOffCentres(
        IReadOnlyList<Observation> observed,
        List<IReadOnlyList<double>> losses,
        Fitted[] fits,
        int objectives,
        double[] bounds
    )
    {
        var feasible = Enumerable.Range(0, observed.Count).Where(i => observed[i].Feasible).ToArray();
        if (feasible.Length == 0)
            return Enumerable
                .Range(0, observed.Count)
                .OrderBy(i => bounds.Select((b, j) => Math.Max(0, fits[objectives + j].Targets[i] - b)).Sum())
                .ThenBy(i => i)
                .Take(Centres)
                .Select(i => observed[i].Point)
                .ToList();
        var sorted = Pareto
            .Front(losses)
            .Select(f => feasible[f])
            .OrderBy(i => fits[0].Targets[i])
            .ThenBy(i => i)
            .ToArray();
        var count = Math.Min(Centres, sorted.Length);
        return Enumerable
            .Range(0, count)
            .Select(c => observed[sorted[count == 1 ? 0 : c * (sorted.Length - 1) / (count - 1)]].Point)
            .ToList();
    }

    /// <summary>The GP fitted to the observed losses, standardized (mean 0, sd 1), and those targets.</summary>
    public static (GaussianProcess Model, double[] Targets) FitModel(
        SearchSpace space,
        IReadOnlyList<Observation> observed,
        Xoshiro256StarStar random
    )
    {
        var inputs = observed.Select(o => UnitEncoding.Encode(space, o.Point)).ToArray();
        var fit = FitValues(space, inputs, observed.Select(o => o.Loss).ToArray(), random);
        return (fit.Model, fit.Targets);
    }

    /// <summary>A GP on standardized values, and how values map to its units.</summary>
    private sealed record Fitted(GaussianProcess Model, double[] Targets, double Mean, double Sd)
    {
        public double Standardize(double value) => (value - Mean) / Sd;
    }

    private static Fitted FitValues(
        SearchSpace space,
        double[][] inputs,
        double[] values,
        Xoshiro256StarStar random,
        int restarts = GaussianProcess.Restarts
    )
    {
        var mean = values.Average();
        var sd = Math.Sqrt(values.Select(l => (l - mean) * (l - mean)).Average());
        if (!(sd > 0))
            sd = 1;
        var targets = values.Select(l => (l - mean) / sd).ToArray();
        var categorical = space.Dimensions.Select(d => d.Kind == DimensionKind.Categorical).ToArray();
        return new Fitted(GaussianProcess.Fit(categorical, inputs, targets, random, restarts), targets, mean, sd);
    }

    private static GaussianProcess Believe(GaussianProcess model, SearchSpace space, double[] point)
    {
        var input = UnitEncoding.Encode(space, point);
        return model.With(input, model.Predict([input]).Mean[0]);
    }

    private readonly record struct Candidate(double[] Point, double Score, int Order);

    /// <summary>
    /// Seeded candidates with their scores: uniform draws, then at each of <see cref="LocalScales"/> Gaussian
    /// steps around the given centres (first round only) and the best candidates so far.
    /// </summary>
    private static List<Candidate> Candidates(
        SearchSpace space,
        ProposalRequest request,
        IReadOnlyList<double[]> bestResults,
        Func<List<double[]>, double[]> score
    )
    {
        var random = request.Random;
        var points = Enumerable
            .Range(0, request.Settings.Whole("candidates"))
            .Select(_ => space.Sample(random))
            .ToList();
        var scored = Scored(points, score(points), 0);
        var centres = bestResults.ToList();
        var perCentre = request.Settings.Whole("local-candidates") / Centres;
        foreach (var scale in LocalScales)
        {
            centres.AddRange(
                scored.OrderByDescending(c => c.Score).ThenBy(c => c.Order).Take(Centres).Select(c => c.Point)
            );
            var local = centres
                .SelectMany(c => Enumerable.Range(0, perCentre).Select(_ => Step(space, c, scale, random)))
                .ToList();
            scored.AddRange(Scored(local, score(local), scored.Count));
            centres.Clear();
        }
        return scored;
    }

    private static List<Candidate> Scored(List<double[]> points, double[] scores, int first) =>
        points.Select((p, i) => new Candidate(p, scores[i], first + i)).ToList();

    /// <summary>
    /// A Gaussian step of sd <paramref name="scale"/> (in [0, 1] units) in every numeric dimension; a
    /// categorical one redrawn with probability <see cref="CategoricalRedraw"/>.
    /// </summary>
    private static double[] Step(SearchSpace space, double[] centre, double scale, Xoshiro256StarStar random)
    {
        var point = new double[centre.Length];
        for (var i = 0; i < point.Length; i++)
        {
            var d = space.Dimensions[i];
            point[i] =
                d.Kind == DimensionKind.Categorical
                    ? random.NextDouble() < CategoricalRedraw
                        ? random.Next(d.Choices.Count)
                        : centre[i]
                    : d.FromUnit(d.ToUnit(centre[i]) + scale * SearchDraws.StandardNormal(random));
        }
        return space.Canonical(point);
    }

    /// <summary>E[max(best - f, 0)] for f ~ N(mean, sd^2): minimizing.</summary>
    public static double ExpectedImprovement(double mean, double sd, double best)
    {
        var z = (best - mean) / sd;
        return (best - mean) * Normal.CDF(0, 1, z) + sd * Normal.PDF(0, 1, z);
    }
}

/// <summary>How much each searched dimension matters, and the model it was read from.</summary>
public sealed record DimensionImportance(string Key, double Lengthscale, double Share);

/// <summary>
/// Parameter importance from a GP's fitted lengthscales (automatic relevance determination): a
/// dimension the loss changes quickly along gets a short lengthscale; its share is 1/lengthscale over
/// the sum for all dimensions. Chosen over fANOVA on a random forest because the GP is the model the
/// search already fits (no second model to keep deterministic), and in [0, 1] units lengthscales of
/// different parameters compare directly; it reads main effects only, not interactions.
/// </summary>
public static class SearchImportance
{
    /// <summary>Null with fewer than 3 distinct results (nothing to fit).</summary>
    public static IReadOnlyList<DimensionImportance>? Of(
        SearchSpace space,
        IReadOnlyList<Observation> observed,
        int seed
    )
    {
        if (observed.Select(o => o.Loss).Distinct().Count() < 3)
            return null;
        var random = new Xoshiro256StarStar((ulong)Xoshiro256StarStar.StableSeed(seed, "search|importance"));
        var (model, _) = GaussianProcessSearch.FitModel(space, observed, random);
        var inverse = model.Lengthscales.Select(l => 1 / l).ToArray();
        var total = inverse.Sum();
        return space
            .Dimensions.Select((d, i) => new DimensionImportance(d.Key, model.Lengthscales[i], inverse[i] / total))
            .ToArray();
    }
}
