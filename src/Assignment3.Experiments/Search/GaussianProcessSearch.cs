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
        if (request.Observed.Select(o => o.Loss).Distinct().Count() < 2)
        {
            set.FillRandomly(request.Count, request.Random); // nothing to learn from yet
            return set.Taken;
        }
        var (model, targets) = FitModel(space, request.Observed, request.Random);
        var best = targets.Min();
        foreach (var pending in request.Pending)
            model = Believe(model, space, pending);
        while (set.Taken.Count < request.Count)
        {
            var ranked = Candidates(space, request, model, best).OrderByDescending(c => c.Score).ThenBy(c => c.Order);
            var taken = ranked.FirstOrDefault(c => set.TryTake(c.Point));
            if (taken.Point is null)
            {
                set.FillRandomly(request.Count, request.Random); // every candidate was proposed before: the model has nothing new
                break;
            }
            model = Believe(model, space, set.Taken[^1]);
        }
        return set.Taken;
    }

    /// <summary>The GP fitted to the observed losses, standardized (mean 0, sd 1), and those targets.</summary>
    public static (GaussianProcess Model, double[] Targets) FitModel(
        SearchSpace space,
        IReadOnlyList<Observation> observed,
        Xoshiro256StarStar random
    )
    {
        var losses = observed.Select(o => o.Loss).ToArray();
        var mean = losses.Average();
        var sd = Math.Sqrt(losses.Select(l => (l - mean) * (l - mean)).Average());
        if (!(sd > 0))
            sd = 1;
        var targets = losses.Select(l => (l - mean) / sd).ToArray();
        var categorical = space.Dimensions.Select(d => d.Kind == DimensionKind.Categorical).ToArray();
        var inputs = observed.Select(o => UnitEncoding.Encode(space, o.Point)).ToArray();
        return (GaussianProcess.Fit(categorical, inputs, targets, random), targets);
    }

    private static GaussianProcess Believe(GaussianProcess model, SearchSpace space, double[] point)
    {
        var input = UnitEncoding.Encode(space, point);
        return model.With(input, model.Predict([input]).Mean[0]);
    }

    private readonly record struct Candidate(double[] Point, double Score, int Order);

    private static List<Candidate> Candidates(
        SearchSpace space,
        ProposalRequest request,
        GaussianProcess model,
        double best
    )
    {
        var random = request.Random;
        var points = Enumerable
            .Range(0, request.Settings.Whole("candidates"))
            .Select(_ => space.Sample(random))
            .ToList();
        var scored = Score(space, model, best, points, 0);
        var centres = request.Observed.OrderBy(o => o.Loss).Take(Centres).Select(o => o.Point).ToList();
        var perCentre = request.Settings.Whole("local-candidates") / Centres;
        foreach (var scale in LocalScales)
        {
            centres.AddRange(
                scored.OrderByDescending(c => c.Score).ThenBy(c => c.Order).Take(Centres).Select(c => c.Point)
            );
            var local = centres
                .SelectMany(c => Enumerable.Range(0, perCentre).Select(_ => Step(space, c, scale, random)))
                .ToList();
            scored.AddRange(Score(space, model, best, local, scored.Count));
            centres.Clear();
        }
        return scored;
    }

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

    private static List<Candidate> Score(
        SearchSpace space,
        GaussianProcess model,
        double best,
        List<double[]> points,
        int first
    )
    {
        var (mean, sd) = model.Predict(points.Select(p => UnitEncoding.Encode(space, p)).ToArray());
        return points.Select((p, i) => new Candidate(p, ExpectedImprovement(mean[i], sd[i], best), first + i)).ToList();
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
