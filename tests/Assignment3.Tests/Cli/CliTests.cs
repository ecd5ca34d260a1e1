using System.Text.Json;
using Assignment3.Cli;
using Assignment3.Tests.Data;

namespace Assignment3.Tests.Cli;

/// <summary>Drives the a3 command line in-process on small data the tests make.</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class CliTests : IDisposable
{
    private readonly FakeCifar data = new(recordsPerBatch: 40);
    private readonly string work = Directory.CreateTempSubdirectory("a3-cli-").FullName;

    private const string TinyConfig = """
        name = tiny
        data { split = all, validation-size = 20 }
        network { hidden = [8], batch-norm = [false, true], init = he }
        training { lambda = 0.001, batch-size = 10, eta-min = 1e-4, eta-max = 1e-2, step-size = 5, cycles = 1, points-per-cycle = 2, seed = 3 }
        """;

    [Fact]
    public async Task Train_writes_the_resolved_config_curves_plots_and_metrics_for_every_run()
    {
        var config = Path.Combine(work, "tiny.conf");
        await File.WriteAllTextAsync(config, TinyConfig);
        var output = Path.Combine(work, "out");

        var (code, stdout) = await ConsoleCapture.RunAsync([
            "train",
            "--config",
            config,
            "--data",
            data.Root,
            "--out",
            output,
            "--json",
        ]);

        Assert.Equal(0, code);
        Assert.True(File.Exists(Path.Combine(output, "config.conf")));
        Assert.True(File.Exists(Path.Combine(output, "summary.md")));
        foreach (var run in new[] { "batch-norm-false", "batch-norm-true" })
        {
            var folder = Path.Combine(output, run);
            foreach (
                var file in new[]
                {
                    "config.conf",
                    "curves.csv",
                    "metrics.json",
                    "cost.png",
                    "loss.png",
                    "accuracy.png",
                }
            )
                Assert.True(File.Exists(Path.Combine(folder, file)), $"{run}/{file} missing");
            Assert.Equal(3, File.ReadAllLines(Path.Combine(folder, "curves.csv")).Length); // header + 2 points
            using var metrics = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "metrics.json")));
            foreach (
                var key in new[]
                {
                    "testAccuracy",
                    "validationAccuracy",
                    "trainAccuracy",
                    "finalCost",
                    "updateSteps",
                    "seconds",
                }
            )
                Assert.True(metrics.RootElement.TryGetProperty(key, out _), $"metrics.json lacks {key}");
            Assert.Equal(10, metrics.RootElement.GetProperty("updateSteps").GetInt32());
        }
        using var printed = JsonDocument.Parse(stdout);
        Assert.Equal(2, printed.RootElement.GetArrayLength());
    }

    [Fact]
    public async Task Train_overrides_narrow_the_config_to_one_run_written_in_place()
    {
        var config = Path.Combine(work, "tiny.conf");
        await File.WriteAllTextAsync(config, TinyConfig);
        var output = Path.Combine(work, "one");

        var (code, stdout) = await ConsoleCapture.RunAsync([
            "train",
            "--config",
            config,
            "--data",
            data.Root,
            "--out",
            output,
            "--bn",
            "--lambda",
            "0.01",
            "--hidden",
            "6,4",
            "--cycles",
            "2",
            "--seed",
            "9",
            "--json",
        ]);

        Assert.Equal(0, code);
        using var metrics = JsonDocument.Parse(stdout);
        Assert.Equal(20, metrics.RootElement.GetProperty("updateSteps").GetInt32());
        var resolved = await File.ReadAllTextAsync(Path.Combine(output, "config.conf"));
        Assert.Contains("hidden = [6, 4]", resolved);
        Assert.Contains("batch-norm = true", resolved);
        Assert.Contains("lambda = 0.01", resolved);
        Assert.Contains("seed = 9", resolved);
    }

    [Fact]
    public async Task Train_refuses_an_output_folder_that_already_holds_results()
    {
        var output = Path.Combine(work, "taken");
        Directory.CreateDirectory(output);
        await File.WriteAllTextAsync(Path.Combine(output, "metrics.json"), "{}");

        var (code, _) = await ConsoleCapture.RunAsync(["train", "--data", data.Root, "--out", output]);

        Assert.Equal(2, code);
        Assert.Equal("{}", await File.ReadAllTextAsync(Path.Combine(output, "metrics.json")));
    }

    [Theory]
    [InlineData("--bn", "--no-bn")]
    [InlineData("--lambda", "-1")]
    [InlineData("--hidden", "50,x")]
    [InlineData("--cycles", "0")]
    [InlineData("--init", "glorot")]
    [InlineData("--bogus")]
    public async Task Bad_train_flags_exit_with_code_2(params string[] flags)
    {
        var (code, _) = await ConsoleCapture.RunAsync([
            "train",
            "--data",
            data.Root,
            "--out",
            Path.Combine(work, "x"),
            .. flags,
        ]);
        Assert.Equal(2, code);
    }

    [Theory]
    [InlineData("--duration must be 10 to 86400 seconds, got 5", "--coordinator", "--duration", "5")]
    [InlineData("--duration needs --coordinator", "--duration", "60")]
    [InlineData("--trial-ms must be 0 to 3600000, got -1", "--coordinator", "--trial-ms", "-1")]
    [InlineData("--schedule needs --coordinator", "--schedule", "median")]
    [InlineData(
        "--schedule must be one of grid, successive-halving, hyperband, median, threshold, got fastest",
        "--coordinator",
        "--schedule",
        "fastest"
    )]
    public async Task Bad_coordinator_bench_flags_are_refused_by_name(string expected, params string[] flags)
    {
        var (code, _, stderr) = await ConsoleCapture.RunWithErrorsAsync(["bench", .. flags]);
        Assert.Equal(2, code);
        Assert.Contains(expected, stderr);
    }

    [Fact]
    public async Task A_bad_config_exits_with_code_2_before_any_training()
    {
        var config = Path.Combine(work, "bad.conf");
        await File.WriteAllTextAsync(config, "training { lambda = -3 }");
        var output = Path.Combine(work, "bad-out");

        var (code, _) = await ConsoleCapture.RunAsync([
            "train",
            "--config",
            config,
            "--data",
            data.Root,
            "--out",
            output,
        ]);

        Assert.Equal(2, code);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task Gradcheck_prints_json_rows_for_every_parameter_and_passes()
    {
        var (code, stdout) = await ConsoleCapture.RunAsync(["gradcheck", "--synthetic", "--hidden", "20,10", "--json"]);

        Assert.Equal(0, code);
        using var rows = JsonDocument.Parse(stdout);
        var all = rows.RootElement.EnumerateArray().ToArray();
        Assert.Equal(6 + 10, all.Length); // 3 layers x (W, b) without BN; 2 x 4 + 2 with BN
        foreach (var row in all)
        foreach (
            var key in new[]
            {
                "layer",
                "parameter",
                "relativeError",
                "elementwiseRelativeError",
                "absoluteError",
                "zeroGradient",
            }
        )
            Assert.True(row.TryGetProperty(key, out _), $"row lacks {key}");
        var zeroBiases = all.Where(r => r.GetProperty("zeroGradient").GetBoolean()).ToArray();
        Assert.Equal(2, zeroBiases.Length);
        Assert.All(zeroBiases, r => Assert.Equal("b", r.GetProperty("parameter").GetString()));
        Assert.All(all.Where(r => !r.GetProperty("zeroGradient").GetBoolean()), r =>
            Assert.True(r.GetProperty("relativeError").GetDouble() < 1e-7)
        );
    }

    [Fact]
    public async Task Gradcheck_with_an_impossible_threshold_exits_non_zero()
    {
        var (code, _) = await ConsoleCapture.RunAsync([
            "gradcheck",
            "--synthetic",
            "--hidden",
            "10",
            "--no-bn",
            "--threshold",
            "1e-20",
        ]);
        Assert.Equal(1, code);
    }

    [Fact]
    public async Task Cert_writes_a_password_protected_certificate_and_never_overwrites_one()
    {
        var path = Path.Combine(work, "cluster.pfx");

        var (code, _) = await ConsoleCapture.RunAsync(["cert", "--out", path, "--password", "pw"]);
        Assert.Equal(0, code);
        using var certificate = Assignment3.Sweeps.Hosting.ClusterCertificate.Load(path, "pw");
        Assert.True(certificate.HasPrivateKey);
        var bytes = await File.ReadAllBytesAsync(path);

        var (again, _) = await ConsoleCapture.RunAsync(["cert", "--out", path, "--password", "pw"]);
        Assert.Equal(2, again);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(path));
        Assert.Throws<ArgumentException>(() => Assignment3.Sweeps.Hosting.ClusterCertificate.Load(path, "wrong"));
    }

    [Theory]
    [InlineData("sweep SMOKE --frob", "a3: invalid command line: Unknown option 'frob'.")]
    [InlineData("sweep SMOKE --slot 0", "a3: invalid command line: Unknown option 'slot'.")]
    [InlineData("worker --seed 127.0.0.1:9 --bogus", "a3: invalid command line: Unknown option 'bogus'.")]
    [InlineData("sweep SMOKE --slots abc", "a3: invalid command line: --slots: 'abc' is not a whole number")]
    [InlineData("sweep SMOKE --slots=abc", "a3: invalid command line: --slots: 'abc' is not a whole number")]
    [InlineData(
        "worker --seed 127.0.0.1:9 --join-timeout soon",
        "a3: invalid command line: --join-timeout: 'soon' is not a whole number"
    )]
    [InlineData("train --lambda much", "a3: invalid command line: --lambda: 'much' is not a number")]
    [InlineData("sweep SMOKE --slots 100000", "a3: invalid command line: --slots 100000 is too many for this machine")]
    [InlineData("worker --seed nowhere", "a3: invalid command line: --seed: 'nowhere' is not host:port")]
    [InlineData("sweep SMOKE --out FILE", "a3: invalid setting: --out: FILE is a file; give a new or empty folder")]
    [InlineData("sweep SMOKE --out FILE/sub", "a3: invalid setting: --out: cannot create the folder FILE/sub")]
    [InlineData(
        "cert --out MISSING/cluster.pfx",
        "a3: invalid setting: --out: the folder MISSING does not exist; create it first"
    )]
    [InlineData(
        "sweep SMOKE --progress loud",
        "a3: invalid command line: --progress: 'loud' is not a progress mode; expected auto, live, plain or none"
    )]
    [InlineData(
        "status MISSING",
        "a3: sweep store problem: MISSING/sweep.db: no sweep store here; give the output folder of an a3 sweep"
    )]
    [InlineData("report MISSING --json", "a3: invalid command line: Unknown option 'json'.")]
    public async Task Bad_command_lines_name_the_flag_and_what_is_allowed(string line, string expected)
    {
        var file = Path.Combine(work, "a-file");
        await File.WriteAllTextAsync(file, "x");
        string Fill(string s) =>
            s.Replace("SMOKE", RepoPaths.Config("smoke.conf"))
                .Replace("FILE", file)
                .Replace("MISSING", Path.Combine(work, "missing"));
        var args = line.Split(' ').Select(Fill).ToArray();

        var (code, _, stderr) = await ConsoleCapture.RunWithErrorsAsync(args);

        Assert.Equal(2, code);
        Assert.StartsWith(Fill(expected), stderr);
        Assert.Single(stderr.Trim().Split('\n')); // one line, no stack trace
    }

    [Theory]
    [InlineData("group-size = 0", "sweep.group-size: '0' is not allowed")]
    [InlineData("group-size = -1", "sweep.group-size: '-1' is not allowed")]
    [InlineData("group-size = 1e6", "sweep.group-size: '1e6' is not allowed")]
    [InlineData("group-size = some", "sweep.group-size: 'some' is not allowed")]
    [InlineData("data-order = sorted", "sweep.data-order: 'sorted' is not allowed")]
    [InlineData(
        "seed = 7\n}\ntraining { data-order-seed = 4 }\nsweep {",
        "training.data-order-seed: a sweep sets each trial's mini-batch order itself"
    )]
    public async Task A_sweep_with_a_bad_group_or_order_exits_2_naming_the_key_and_writes_nothing(
        string setting,
        string expected
    )
    {
        var config = Path.Combine(work, "group.conf");
        await File.WriteAllTextAsync(
            config,
            (await File.ReadAllTextAsync(RepoPaths.Config("smoke.conf"))).Replace("seed = 7", setting)
        );
        var output = Path.Combine(work, "group-out");

        var (code, _, stderr) = await ConsoleCapture.RunWithErrorsAsync([
            "sweep",
            config,
            "--out",
            output,
            "--data",
            data.Root,
        ]);

        Assert.Equal(2, code);
        Assert.Contains(expected, stderr);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task An_empty_resume_path_is_refused_by_name()
    {
        var (code, _, stderr) = await ConsoleCapture.RunWithErrorsAsync(["sweep", "--resume", ""]);
        Assert.Equal(2, code);
        Assert.StartsWith("a3: invalid command line: --resume: empty path", stderr);
    }

    [Fact]
    public async Task A_sweep_on_an_IPv6_host_runs_and_prints_its_node_without_markup_errors()
    {
        var output = Path.Combine(work, "ipv6");

        var (code, _, stderr) = await ConsoleCapture.RunWithErrorsAsync([
            "sweep",
            RepoPaths.Config("smoke.conf"),
            "--host",
            "::1",
            "--slots",
            "1",
            "--out",
            output,
            "--data",
            data.Root,
        ]);

        Assert.True(code == 0, stderr); // the node's name, [::1]:port, once went through console markup as a style
        SweepFiles.AssertEveryTrialOnceCompleted(output, 9);
    }

    public void Dispose()
    {
        data.Dispose();
        Directory.Delete(work, recursive: true);
    }
}

[CollectionDefinition(nameof(ConsoleCollection), DisableParallelization = true)]
public sealed class ConsoleCollection;

/// <summary>Runs a3 with stdout and stderr captured; tests that use it do not run in parallel.</summary>
public static class ConsoleCapture
{
    public static async Task<(int Code, string Stdout)> RunAsync(string[] args)
    {
        var (code, stdout, _) = await RunWithErrorsAsync(args);
        return (code, stdout);
    }

    public static async Task<(int Code, string Stdout, string Stderr)> RunWithErrorsAsync(string[] args)
    {
        var (originalOut, originalError) = (Console.Out, Console.Error);
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            var code = await A3App.RunAsync(args);
            return (code, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(originalOut);
            Console.SetError(originalError);
        }
    }
}
