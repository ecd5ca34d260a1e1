using Assignment3.Storage;

namespace Assignment3.Tests.Sweeps;

public sealed class GroupSizeCacheTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("a3-cache-").FullName;

    [Fact]
    public void A_size_measured_once_is_kept_for_later_sweeps_on_this_processor_and_build()
    {
        var measured = 0;
        int Measure()
        {
            measured++;
            return 6;
        }

        Assert.Equal(6, new GroupSizeCache(folder).Fastest("kernels A", Measure));
        Assert.Equal(6, new GroupSizeCache(folder).Fastest("kernels A", Measure));

        Assert.Equal(1, measured);
        Assert.Equal(6, new GroupSizeCache(folder).Read(GroupSizeCache.Key("kernels A")));
        Assert.Null(new GroupSizeCache(folder).Read(GroupSizeCache.Key("kernels B"))); // another instruction set
        Assert.StartsWith(
            System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString(),
            GroupSizeCache.Key("kernels A")
        );
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("[1, 2]")]
    public void A_damaged_cache_is_measured_again_and_rewritten(string text)
    {
        var cache = new GroupSizeCache(folder);
        File.WriteAllText(cache.Path, text);

        Assert.Equal(3, cache.Fastest("kernels A", () => 3));

        Assert.Equal(3, cache.Read(GroupSizeCache.Key("kernels A")));
    }

    [Fact]
    public void A_kept_size_no_measurement_gives_is_measured_again()
    {
        var cache = new GroupSizeCache(folder);
        cache.Write(GroupSizeCache.Key("kernels A"), 99);

        Assert.Equal(4, cache.Fastest("kernels A", () => 4));
    }

    [Fact]
    public void Where_the_cache_cannot_be_written_the_size_is_measured_and_used()
    {
        var blocked = Path.Combine(folder, "a-file");
        File.WriteAllText(blocked, "");
        var cache = new GroupSizeCache(blocked); // its folder is a file

        Assert.Equal(8, cache.Fastest("kernels A", () => 8));
        Assert.Null(cache.Read(GroupSizeCache.Key("kernels A")));
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
