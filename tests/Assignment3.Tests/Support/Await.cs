namespace Assignment3.Tests.Support;

/// <summary>The one way tests wait: for a condition, polled, with a bound and a message saying what never happened.</summary>
public static class Await
{
    public static readonly TimeSpan DefaultBound = TimeSpan.FromMinutes(3);

    public static async Task Until(Func<bool> condition, string what, TimeSpan? bound = null)
    {
        var limit = bound ?? DefaultBound;
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"waited {limit.TotalSeconds:F0} s for {what}");
            await Task.Delay(25);
        }
    }
}
