using Assignment3.Tests.Data;
using Xunit.Abstractions;

namespace Assignment3.Tests.Training;

/// <summary>
/// a3 train in separate processes, each with the runtime held to fewer instruction sets (the .NET
/// switches that turn AVX-512, AVX2, or every hardware intrinsic off): the learning curves must
/// be the same file, byte for byte, and so with each GEMM tiling forced (A3_TILING).
/// </summary>
[Collection(nameof(Sweeps.ProcessCollection))]
public sealed class InstructionSetTests(ITestOutputHelper output) : IDisposable
{
    private readonly FakeCifar data = new(recordsPerBatch: 60);
    private readonly string work = Directory.CreateTempSubdirectory("a3-isa-").FullName;

    [Fact]
    public async Task Training_gives_the_same_curves_file_with_AVX512_AVX2_128_bit_vectors_no_vector_instructions_and_every_tiling()
    {
        var config = Path.Combine(work, "isa.conf");
        File.WriteAllText(
            config,
            """
            name = isa
            data { split = batch1, validation-size = 40 }
            network { hidden = [20, 10], batch-norm = [false, true] }
            training { lambda = 0.005, batch-size = 20, eta-min = 1e-4, eta-max = 0.05, step-size = 15, cycles = 2,
              points-per-cycle = 3, train-eval-subset = 30 }
            """
        );
        using var processes = new A3Processes(data.Root, output);
        // Each instruction set with the tilings measured per shape, and each tiling forced.
        var settings = new (string Name, string? Variable, string? Tiling)[]
        {
            ("widest", null, null),
            ("widest main-then-remainder", null, "main-then-remainder"),
            ("widest one-pass", null, "one-pass"),
            ("no AVX-512", "DOTNET_EnableAVX512", null),
            ("no AVX-512 one-pass", "DOTNET_EnableAVX512", "one-pass"),
            ("no AVX2", "DOTNET_EnableAVX2", null),
            ("no intrinsics", "DOTNET_EnableHWIntrinsic", null),
        };
        var curves = new List<(string Name, string Kernels, byte[] Curves)>();
        foreach (var (name, variable, tiling) in settings)
        {
            var folder = Path.Combine(work, name.Replace(' ', '-'));
            var environment = new Dictionary<string, string?> { ["A3_SIMD"] = null, ["A3_TILING"] = tiling };
            if (variable is not null)
                environment[variable] = "0";
            var run = processes.StartWith(environment, "train", "--config", config, "--out", folder);
            Assert.Equal(0, await run.WaitAsync(TimeSpan.FromMinutes(2)));
            var kernels = run.Output.Single(l => l.Contains("a3 SIMD kernels"));
            curves.Add(
                (
                    name,
                    kernels,
                    [
                        .. File.ReadAllBytes(Path.Combine(folder, "batch-norm-false", "curves.csv")),
                        .. File.ReadAllBytes(Path.Combine(folder, "batch-norm-true", "curves.csv")),
                    ]
                )
            );
        }

        Assert.Equal(settings.Length, curves.Select(c => c.Kernels).Distinct().Count()); // a different kernel path each time
        Assert.All(curves, c =>
            Assert.True(
                curves[0].Curves.AsSpan().SequenceEqual(c.Curves),
                $"{c.Name} ({c.Kernels}) trained differently"
            )
        );
    }

    /// <summary>
    /// A sweep whose six trials (mixed widths, batch norm or not) train as one group, in processes held
    /// to fewer instruction sets, gives the curves files of the same trials trained one at a time.
    /// </summary>
    [Fact]
    public async Task A_group_of_trials_trains_the_curves_of_one_at_a_time_on_every_instruction_set()
    {
        var config = Path.Combine(work, "group.conf");
        const string text = """
            name = isa-group
            data { split = batch1, validation-size = 40 }
            network { hidden = [[20, 10], [7], [33]], batch-norm = [false, true] }
            training { lambda = 0.005, batch-size = 20, eta-min = 1e-4, eta-max = 0.05, step-size = 15, cycles = 2,
              points-per-cycle = 3, train-eval-subset = 30 }
            sweep { seed = 3, group-size = SIZE }
            """;
        File.WriteAllText(config, text.Replace("SIZE", "6"));
        var alone = Path.Combine(work, "alone.conf");
        File.WriteAllText(alone, text.Replace("SIZE", "1"));
        using var processes = new A3Processes(data.Root, output);
        var settings = new (string Name, string Config, string? Variable, string? Tiling)[]
        {
            ("alone", alone, null, null),
            ("widest", config, null, null),
            ("widest one-pass", config, null, "one-pass"),
            ("widest main-then-remainder", config, null, "main-then-remainder"),
            ("no AVX-512", config, "DOTNET_EnableAVX512", null),
            ("no AVX2", config, "DOTNET_EnableAVX2", null),
            ("no intrinsics", config, "DOTNET_EnableHWIntrinsic", null),
        };
        var curves = new List<(string Name, byte[] Curves)>();
        foreach (var (name, file, variable, tiling) in settings)
        {
            var folder = Path.Combine(work, "group-" + name.Replace(' ', '-'));
            var environment = new Dictionary<string, string?> { ["A3_SIMD"] = null, ["A3_TILING"] = tiling };
            if (variable is not null)
                environment[variable] = "0";
            Assert.Equal(
                0,
                await processes
                    .StartWith(environment, "sweep", file, "--out", folder, "--slots", "1")
                    .WaitAsync(TimeSpan.FromMinutes(2))
            );
            if (name != "alone")
                Assert.All(SweepFiles.Trials(folder), r => Assert.Equal("1", r["group"]));
            curves.Add(
                (
                    name,
                    Enumerable
                        .Range(1, 6)
                        .SelectMany(t => File.ReadAllBytes(Path.Combine(folder, "curves", $"trial-{t}.csv")))
                        .ToArray()
                )
            );
        }

        Assert.All(curves, c =>
            Assert.True(
                curves[0].Curves.AsSpan().SequenceEqual(c.Curves),
                $"{c.Name} trained differently from one at a time"
            )
        );
    }

    public void Dispose()
    {
        data.Dispose();
        Directory.Delete(work, recursive: true);
    }
}
