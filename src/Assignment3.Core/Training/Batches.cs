namespace Assignment3.Core.Training;

public static class Batches
{
    /// <summary>Fisher-Yates shuffle driven by the run's own random stream.</summary>
    public static void Shuffle(Span<int> order, Random random)
    {
        for (var i = order.Length - 1; i > 0; i--)
        {
            var k = random.Next(i + 1);
            (order[i], order[k]) = (order[k], order[i]);
        }
    }
}
