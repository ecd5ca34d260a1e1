using Assignment3.Core.Randomness;

namespace Assignment3.Core.Training;

public static class Batches
{
    /// <summary>Fisher-Yates shuffle driven by the run's own random stream.</summary>
    public static void Shuffle(Span<int> order, Xoshiro256StarStar random) => random.Shuffle(order);
}
