using Assignment3.Core.Randomness;

namespace Assignment3.Tests.Randomness;

/// <summary>The generator every seeded draw uses, against its authors' published outputs.</summary>
public class Xoshiro256StarStarTests
{
    [Fact]
    public void SplitMix64_gives_the_reference_outputs_for_seed_1234567()
    {
        var state = 1234567UL;
        var outputs = Enumerable.Range(0, 5).Select(_ => SplitMix64.Next(ref state)).ToArray();

        Assert.Equal(
            [
                6457827717110365317UL,
                3203168211198807973UL,
                9817491932198370423UL,
                4593380528125082431UL,
                16408922859458223821UL,
            ],
            outputs
        );
    }

    [Fact]
    public void Xoshiro256StarStar_gives_the_reference_outputs_from_state_1_2_3_4()
    {
        var random = new Xoshiro256StarStar(1, 2, 3, 4);
        var outputs = Enumerable.Range(0, 10).Select(_ => random.NextUInt64()).ToArray();

        Assert.Equal(
            [
                11520UL,
                0UL,
                1509978240UL,
                1215971899390074240UL,
                1216172134540287360UL,
                607988272756665600UL,
                16172922978634559625UL,
                8476171486693032832UL,
                10595114339597558777UL,
                2904607092377533576UL,
            ],
            outputs
        );
    }

    [Fact]
    public void A_seed_gives_the_state_of_four_SplitMix64_outputs()
    {
        var mix = 42UL;
        var expected = new Xoshiro256StarStar(
            SplitMix64.Next(ref mix),
            SplitMix64.Next(ref mix),
            SplitMix64.Next(ref mix),
            SplitMix64.Next(ref mix)
        );
        var seeded = new Xoshiro256StarStar(42);

        Assert.Equal(
            Enumerable.Range(0, 8).Select(_ => expected.NextUInt64()),
            Enumerable.Range(0, 8).Select(_ => seeded.NextUInt64())
        );
    }

    [Fact]
    public void Derived_draws_are_defined_by_the_outputs()
    {
        var (source, random) = (new Xoshiro256StarStar(7), new Xoshiro256StarStar(7));
        Assert.Equal((source.NextUInt64() >> 11) * Math.Pow(2, -53), random.NextDouble());

        // Bounded draws stay in range and reach every value; a shuffle is a permutation.
        var counts = new int[7];
        for (var i = 0; i < 7000; i++)
            counts[random.Next(7)]++;
        Assert.All(counts, c => Assert.InRange(c, 850, 1150));
        var order = Enumerable.Range(0, 100).ToArray();
        random.Shuffle(order.AsSpan());
        Assert.Equal(Enumerable.Range(0, 100), order.Order());
        Assert.NotEqual(Enumerable.Range(0, 100), order);
        Assert.Throws<ArgumentException>(() => new Xoshiro256StarStar(0, 0, 0, 0));
    }

    [Fact]
    public void A_stable_seed_is_the_first_31_bits_of_the_SHA256_of_seed_and_name()
    {
        var hash = System.Security.Cryptography.SHA256.HashData("3|lambda"u8);
        Assert.Equal(BitConverter.ToInt32(hash) & int.MaxValue, Xoshiro256StarStar.StableSeed(3, "lambda"));
    }
}
