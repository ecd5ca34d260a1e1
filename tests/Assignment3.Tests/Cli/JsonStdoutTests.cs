using System.Text.Json;
using Assignment3.Tests.Data;
using Xunit.Abstractions;

namespace Assignment3.Tests.Cli;

/// <summary>
/// --json means one JSON document alone on stdout, everything else on stderr: every command that has
/// it (train, gradcheck, status, bench in each mode), as a real process, while both cores are busy.
/// Under load, Akka's own logger warned on stdout that a logger had not started in time, before the
/// document; a logger start-up timeout of 1 ms makes every actor system say it.
/// </summary>
[Collection(nameof(Sweeps.ProcessCollection))]
public sealed class JsonStdoutTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(4);
    private readonly FakeCifar data = new(recordsPerBatch: 1100); // enough for bench's split: 5,000 validation images
    private readonly string work = Directory.CreateTempSubdirectory("a3-json-").FullName;

    [Fact]
    public async Task Every_json_command_prints_exactly_one_document_on_stdout_under_load()
    {
        using var processes = new A3Processes(data.Root, output);
        var config = Path.Combine(work, "small.conf");
        File.WriteAllText(
            config,
            """
            data { split = batch1, validation-size = 100 }
            network { hidden = [10], batch-norm = [false, true] }
            training { batch-size = 50, step-size = 20, cycles = 1, points-per-cycle = 2, train-eval-subset = 100 }
            """
        );
        var sweep = Path.Combine(work, "sweep");
        Assert.Equal(
            0,
            await processes
                .Start("sweep", RepoPaths.Config("smoke.conf"), "--out", sweep, "--slots", "2")
                .WaitAsync(Bound)
        );
        string[][] commands =
        [
            ["train", "--config", config, "--out", Path.Combine(work, "train"), "--json"],
            ["gradcheck", "--synthetic", "--json"],
            ["status", sweep, "--json"],
            ["bench", "--json", "--steps", "10", "--no-full-run", "--no-groups"],
            [
                "bench",
                "--coordinator",
                "--churn",
                "--schedule",
                "successive-halving",
                "--trials",
                "2000",
                "--nodes",
                "3",
                "--node-slots",
                "2",
                "--json",
            ],
            [
                "bench",
                "--coordinator",
                "--duration",
                "10",
                "--trial-ms",
                "20",
                "--nodes",
                "2",
                "--node-slots",
                "2",
                "--json",
            ],
            ["bench", "--search", "--seeds", "1", "--json"],
        ];

        var impatient = new Dictionary<string, string?> { ["A3_HOCON"] = "akka.logger-startup-timeout = 1ms" };
        using var hog = new CpuHog(Environment.ProcessorCount);
        foreach (var command in commands)
        {
            var run = processes.StartWith(impatient, command);
            Assert.Equal(0, await run.WaitAsync(Bound));
            var stdout = run.StandardOutput;
            using var document = JsonDocument.Parse(stdout); // the whole of stdout, or it throws
            Assert.True(
                document.RootElement.ValueKind is JsonValueKind.Object or JsonValueKind.Array,
                $"a3 {string.Join(' ', command)}: {stdout}"
            );
            if (
                document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("everyTrialOnce", out var once)
            )
                Assert.True(once.GetBoolean(), $"a3 {string.Join(' ', command)}: a trial recorded twice or never");
        }
    }

    /// <summary>Threads that keep every core busy until disposed.</summary>
    private sealed class CpuHog : IDisposable
    {
        private volatile bool stop;
        private readonly Thread[] threads;

        public CpuHog(int count)
        {
            threads = Enumerable
                .Range(0, count)
                .Select(_ => new Thread(() =>
                {
                    while (!stop)
                        Thread.SpinWait(1000);
                })
                {
                    IsBackground = true,
                })
                .ToArray();
            foreach (var thread in threads)
                thread.Start();
        }

        public void Dispose()
        {
            stop = true;
            foreach (var thread in threads)
                thread.Join();
        }
    }

    public void Dispose()
    {
        data.Dispose();
        Directory.Delete(work, recursive: true);
    }
}
