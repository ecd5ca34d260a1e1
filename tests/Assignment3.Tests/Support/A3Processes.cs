using System.Collections.Concurrent;
using System.Diagnostics;

namespace Assignment3.Tests.Support;

/// <summary>
/// a3 processes started by a test, with their output kept; every one is killed when the test ends.
/// Network traffic stays on 127.0.0.1.
/// </summary>
public sealed class A3Processes(string dataRoot, Xunit.Abstractions.ITestOutputHelper? output = null) : IDisposable
{
    private readonly List<A3Process> started = new();

    public A3Process Start(params string[] args) => StartIn(null, args);

    /// <summary>a3 with these environment variables set (or, with a null value, removed).</summary>
    public A3Process StartWith(IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        StartIn(null, args, environment);

    /// <summary>a3 in a network namespace of the test's own (ip netns exec replaces itself with it: the process is a3's).</summary>
    public A3Process StartIn(string? netns, params string[] args) => StartIn(netns, args, null);

    private A3Process StartIn(string? netns, string[] args, IReadOnlyDictionary<string, string?>? environment)
    {
        var info = new ProcessStartInfo(netns is null ? "env" : "ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (netns is not null)
            foreach (var arg in new[] { "netns", "exec", netns, "env" })
                info.ArgumentList.Add(arg);
        // Ctrl+C reaches a3 however the suite was started: a suite run in the background inherits
        // SIGINT ignored, and a3 (rightly) leaves an ignored SIGINT alone. env replaces itself with dotnet.
        foreach (var arg in new[] { "--default-signal=INT", "dotnet" })
            info.ArgumentList.Add(arg);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
            if (value is null)
                info.Environment.Remove(name);
            else
                info.Environment[name] = value;
        info.ArgumentList.Add(A3Dll);
        return Launch(info, args);
    }

    /// <summary>
    /// A published single-file a3 (<paramref name="file"/>) run in <paramref name="folder"/> with none of the
    /// test's environment but <paramref name="environment"/>: no dotnet on its PATH, no DOTNET_ variable.
    /// </summary>
    public A3Process StartPublished(
        string file,
        string folder,
        IReadOnlyDictionary<string, string> environment,
        params string[] args
    )
    {
        var info = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        foreach (var arg in new[] { "-i", "--default-signal=INT" })
            info.ArgumentList.Add(arg);
        foreach (var (name, value) in environment)
            info.ArgumentList.Add($"{name}={value}");
        info.ArgumentList.Add(file);
        return Launch(info, args);
    }

    private A3Process Launch(ProcessStartInfo info, string[] args)
    {
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        if (args[0] is not ("cert" or "report" or "status")) // the others read data (strict parsing refuses a flag a command does not have)
        {
            info.ArgumentList.Add("--data");
            info.ArgumentList.Add(dataRoot);
        }
        var process = new A3Process(Process.Start(info)!, string.Join(' ', args));
        started.Add(process);
        return process;
    }

    /// <summary>
    /// Runs the sweep <paramref name="config"/> three ways into folders under <paramref name="work"/>:
    /// one process with 1 slot ("one"), with 2 slots ("two"), and a coordinator without slots served by
    /// two worker processes of 1 slot each ("spread", on <paramref name="port"/>). Each must exit 0.
    /// </summary>
    /// Every process gets <paramref name="environment"/>.
    public async Task<(string One, string Two, string Spread)> SweepThreeWays(
        string config,
        string work,
        int port,
        TimeSpan bound,
        IReadOnlyDictionary<string, string?>? environment = null
    )
    {
        var env = environment ?? new Dictionary<string, string?>();
        var (one, two, spread) = (Path.Combine(work, "one"), Path.Combine(work, "two"), Path.Combine(work, "spread"));
        Assert.Equal(0, await StartWith(env, "sweep", config, "--out", one, "--slots", "1").WaitAsync(bound));
        Assert.Equal(0, await StartWith(env, "sweep", config, "--out", two, "--slots", "2").WaitAsync(bound));
        var coordinator = StartWith(
            env,
            "sweep",
            config,
            "--out",
            spread,
            "--slots",
            "0",
            "--host",
            "127.0.0.1",
            "--port",
            port.ToString()
        );
        for (var i = 0; i < 2; i++)
            StartWith(env, "worker", "--seed", $"127.0.0.1:{port}", "--slots", "1");
        Assert.Equal(0, await coordinator.WaitAsync(bound));
        return (one, two, spread);
    }

    /// <summary>The output of the process started with this command and output folder (--out).</summary>
    public IReadOnlyList<string> Output(string command, string folder) =>
        started.Single(p => p.Command.StartsWith(command + " ") && p.Command.Contains($"--out {folder}")).Output;

    /// <summary>The a3 CLI built in the same configuration as these tests.</summary>
    private static string A3Dll
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains(
                $"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}"
            )
                ? "Release"
                : "Debug";
            var dll = Path.Combine(RepoPaths.Root, "src", "Assignment3.Cli", "bin", configuration, "net10.0", "a3.dll");
            return File.Exists(dll)
                ? dll
                : throw new FileNotFoundException($"{dll}: build the CLI first (dotnet build)");
        }
    }

    /// <summary>Stops every process; the test's output gets what each one printed last (shown when a test fails).</summary>
    public void Dispose()
    {
        foreach (var process in started)
        {
            process.Dispose();
            output?.WriteLine(
                $"--- a3 {process.Command} (exit {process.ExitCode}), last lines:\n"
                    + string.Join("\n", process.Output.Where(l => !l.Contains('━')).TakeLast(25))
            );
        }
    }
}

public sealed class A3Process : IDisposable
{
    private readonly ConcurrentQueue<string> lines = new();
    private readonly ConcurrentQueue<string> stdout = new();

    public A3Process(Process process, string command)
    {
        Process = process;
        Command = command;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lines.Enqueue(e.Data);
            stdout.Enqueue(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lines.Enqueue(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Process Process { get; }
    public string Command { get; }
    public int? ExitCode { get; private set; }
    public bool HasExited => Process.HasExited;

    /// <summary>Every line it printed, stdout and stderr as they came.</summary>
    public IReadOnlyList<string> Output => lines.ToArray();

    /// <summary>What it printed on stdout alone (complete once it has exited and <see cref="WaitAsync"/> returned).</summary>
    public string StandardOutput => string.Join("\n", stdout);

    public async Task<int> WaitAsync(TimeSpan bound)
    {
        await Process.WaitForExitAsync().WaitAsync(bound);
        Process.WaitForExit(); // and the output read to its end
        return Process.ExitCode;
    }

    /// <summary>Sends a POSIX signal (KILL, STOP, CONT, INT) with the system's kill command.</summary>
    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {Process.Id}")!;
        kill.WaitForExit();
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Signal("CONT"); // a stopped process cannot die until it runs again
            Process.Kill(entireProcessTree: true);
        }
        Process.WaitForExit(10_000);
        ExitCode = Process.HasExited ? Process.ExitCode : null;
        Process.Dispose();
    }
}
