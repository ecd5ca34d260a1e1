using Assignment3.Experiments.Search;

namespace Assignment3.Tests.Sweeps;

public class ParetoTests
{
    private static IReadOnlyList<double>[] Points(params double[][] points) => points;

    [Fact]
    public void Ranks_peel_the_fronts_one_after_another_and_equal_points_share_a_rank()
    {
        var points = Points([1, 3], [2, 2], [3, 1], [2, 3], [3, 3], [2, 2], [4, 4], [0.5, 5]);

        Assert.Equal([0, 0, 0, 1, 2, 0, 3, 0], Pareto.Ranks(points));
        Assert.Equal([0, 1, 2, 5, 7], Pareto.Front(points));
        Assert.True(Pareto.Dominates([1, 2], [1, 3]));
        Assert.False(Pareto.Dominates([1, 2], [1, 2]));
        Assert.Contains("2 and 3", Assert.Throws<ArgumentException>(() => Pareto.Dominates([1, 2], [1, 2, 3])).Message);
    }

    [Fact]
    public void Hypervolume_of_known_sets_in_two_and_three_objectives()
    {
        // A staircase: 3 + 2 + 1; a dominated point and one beyond the reference add nothing.
        Assert.Equal(6, Pareto.Hypervolume(Points([1, 3], [2, 2], [3, 1]), [4, 4]));
        Assert.Equal(6, Pareto.Hypervolume(Points([1, 3], [2, 2], [3, 1], [3, 3], [5, 0]), [4, 4]));
        Assert.Equal(6, Pareto.Hypervolume(Points([0, 0, 0]), [1, 2, 3]));
        // Two boxes of 4 and 2 that share a unit cube.
        Assert.Equal(5, Pareto.Hypervolume(Points([0, 0, 1], [1, 1, 0]), [2, 2, 2]));
        Assert.Equal(0, Pareto.Hypervolume(Points(), [1, 1]));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Hypervolume_equals_inclusion_exclusion_over_every_subset_of_random_points(int objectives)
    {
        var random = new Random(objectives);
        for (var trial = 0; trial < 20; trial++)
        {
            var points = Enumerable
                .Range(0, 7)
                .Select(_ => Enumerable.Range(0, objectives).Select(_ => Math.Round(random.NextDouble(), 2)).ToArray())
                .ToArray();
            var reference = Enumerable.Repeat(1.0, objectives).ToArray();
            var expected = 0.0;
            for (var subset = 1; subset < 1 << points.Length; subset++)
            {
                var members = points.Where((_, i) => (subset >> i & 1) == 1).ToArray();
                var box = 1.0;
                for (var k = 0; k < objectives; k++)
                    box *= Math.Max(0, reference[k] - members.Max(p => p[k]));
                expected += (members.Length % 2 == 1 ? 1 : -1) * box;
            }

            Assert.Equal(expected, Pareto.Hypervolume(points, reference), 1e-12);
        }
    }

    [Fact]
    public void Points_on_a_problems_true_front_approach_its_stated_hypervolume_from_below()
    {
        // ZDT1's front: x2..x6 = 0; DTLZ2's: x3..x6 = 0.5. A grid of 40 (ZDT1) and 40 x 40 (DTLZ2) front points.
        var zdt1 = Enumerable.Range(0, 40).Select(i => new[] { i / 39.0, 0, 0, 0, 0, 0 }).ToArray();
        var dtlz2 = Enumerable
            .Range(0, 1600)
            .Select(i => new[] { i / 40 / 39.0, i % 40 / 39.0, 0.5, 0.5, 0.5, 0.5 })
            .ToArray();

        foreach (var (problem, points) in new[] { (SyntheticFront.Zdt1, zdt1), (SyntheticFront.Dtlz2, dtlz2) })
        {
            var after = problem.HypervolumeAfterEach(points.Select(problem.Observe).ToArray());
            Assert.True(after.Zip(after.Skip(1)).All(x => x.First <= x.Second), $"{problem.Name}: not monotone");
            Assert.InRange(after[^1], 0.97 * problem.FrontHypervolume!.Value, problem.FrontHypervolume.Value);
        }
    }

    [Fact]
    public void Boxes_partition_what_the_front_leaves_and_expected_improvement_matches_sampling()
    {
        var random = new Random(11);
        foreach (var objectives in new[] { 2, 3 })
        {
            var front = Enumerable
                .Range(0, 7)
                .Select(_ =>
                    (IReadOnlyList<double>)Enumerable.Range(0, objectives).Select(_ => random.NextDouble()).ToArray()
                )
                .ToArray();
            var reference = Enumerable.Repeat(1.2, objectives).ToArray();
            var boxes = Pareto.NonDominatedBoxes(front, reference);
            var free = boxes.Sum(b =>
                b.Lower.Select((l, k) => b.Upper[k] - Math.Max(l, 0)).Aggregate(1.0, (p, v) => p * v)
            );
            Assert.Equal(Math.Pow(1.2, objectives), free + Pareto.Hypervolume(front, reference), 10);

            var mean = Enumerable.Range(0, objectives).Select(_ => 0.1 + 0.5 * random.NextDouble()).ToArray();
            var sd = Enumerable.Repeat(0.2, objectives).ToArray();
            const int samples = 40_000;
            var before = Pareto.Hypervolume(front, reference);
            var gains = Enumerable
                .Range(0, samples)
                .Select(_ => mean.Select((m, k) => m + sd[k] * Normal(random)).ToArray())
                .Select(y => Pareto.Hypervolume([.. front, y], reference) - before)
                .ToArray();
            var (average, spread) = (
                gains.Average(),
                Math.Sqrt(gains.Average(g => g * g) - Math.Pow(gains.Average(), 2))
            );
            var exact = new HypervolumeImprovement(front, reference).Expected(mean, sd);
            Assert.True(exact > 0);
            Assert.InRange(exact, average - 4 * spread / Math.Sqrt(samples), average + 4 * spread / Math.Sqrt(samples));
        }
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    [Fact]
    public void The_gp_fills_in_zdt1s_front_far_better_than_uniform_draws_and_the_same_twice()
    {
        var problem = SyntheticFront.Zdt1;
        double Reached(ISearchMethod method) =>
            problem.HypervolumeAfterEach(problem.Run(problem.Search(method, trials: 24, initial: 8), seed: 1))[^1];

        var gp = Reached(GaussianProcessSearch.Instance);

        Assert.Equal(gp, Reached(GaussianProcessSearch.Instance));
        Assert.True(
            gp > Reached(RandomSearch.Instance) + 5,
            $"gp {gp} against random {Reached(RandomSearch.Instance)}"
        );
    }
}
