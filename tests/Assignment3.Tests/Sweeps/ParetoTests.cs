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
            var after = problem.HypervolumeAfterEach(points);
            Assert.True(after.Zip(after.Skip(1)).All(x => x.First <= x.Second), $"{problem.Name}: not monotone");
            Assert.InRange(after[^1], 0.97 * problem.FrontHypervolume, problem.FrontHypervolume);
        }
    }
}
