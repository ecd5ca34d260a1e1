using Assignment3.Core.Randomness;

namespace Assignment3.Experiments.Search;

/// <summary>Random draws the search methods share, from our own generator so proposals do not depend on a runtime's Random.</summary>
public static class SearchDraws
{
    /// <summary>A standard normal draw (Box-Muller).</summary>
    public static double StandardNormal(Xoshiro256StarStar random)
    {
        var u = 1 - random.NextDouble(); // (0, 1]
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * random.NextDouble());
    }
}
