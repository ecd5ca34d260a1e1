using Assignment3.Cli.Commands;
using Assignment3.Cli.Terminal;
using Spectre.Console.Cli;

namespace Assignment3.Cli;

/// <summary>The a3 command line; Program runs it, tests drive it in-process.</summary>
public static class A3App
{
    public static Task<int> RunAsync(string[] args) => Create(args).RunAsync(args);

    /// <summary>
    /// Runs a3 as a program: the first Ctrl+C (SIGINT) or SIGTERM (what batch schedulers and
    /// service managers send before they kill) cancels the command, which stops cleanly (a sweep can
    /// then be resumed, a worker leaves the cluster); a second one exits at once.
    /// </summary>
    public static async Task<int> RunWithCtrlCAsync(string[] args)
    {
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            if (cancellation.IsCancellationRequested)
                return;
            e.Cancel = true;
            Console.Error.WriteLine("a3: stopping (Ctrl+C again to exit at once)");
            cancellation.Cancel();
        };
        using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM,
            context =>
            {
                if (cancellation.IsCancellationRequested)
                    return;
                context.Cancel = true;
                Console.Error.WriteLine("a3: stopping (SIGTERM; send it again to exit at once)");
                cancellation.Cancel();
            }
        );
        return await Create(args).RunAsync(args, cancellation.Token);
    }

    public static CommandApp Create(string[] args)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("a3");
            // An unknown or misspelt flag (--slot for --slots) is an error, never silently ignored.
            config.Settings.StrictParsing = true;
            config.SetExceptionHandler((exception, _) => Errors.Report(exception, args));
            config
                .AddCommand<TrainCommand>("train")
                .WithDescription(
                    "Train k-layer networks from an experiment config; writes curves, plots and metrics.json."
                )
                .WithExample("train", "--config", "configs/three-layer.conf")
                .WithExample(
                    "train",
                    "--config",
                    "configs/nine-layer.conf",
                    "--bn",
                    "--lambda",
                    "0.01",
                    "--out",
                    "runs/nine-bn"
                );
            config
                .AddCommand<GradCheckCommand>("gradcheck")
                .WithDescription(
                    "Compare analytic gradients with centred finite differences (float64) on a reduced problem."
                )
                .WithExample("gradcheck", "--hidden", "50,50", "--bn");
            config
                .AddCommand<SweepCommand>("sweep")
                .WithDescription(
                    "Run a sweep config on an Akka.NET cluster: embedded in this "
                        + "process by default, joined by a3 worker nodes when --host/--port make it reachable."
                )
                .WithExample("sweep", "configs/lambda-coarse.conf")
                .WithExample(
                    "sweep",
                    "configs/lambda-coarse.conf",
                    "--host",
                    "10.0.0.5",
                    "--port",
                    "4053",
                    "--slots",
                    "0"
                );
            config
                .AddCommand<WorkerCommand>("worker")
                .WithDescription(
                    "Start a worker node that joins a sweep's coordinator node and trains its trials; stays up for the next sweep until stopped."
                )
                .WithExample("worker", "--seed", "10.0.0.5:4053", "--slots", "2");
            config
                .AddCommand<StatusCommand>("status")
                .WithDescription(
                    "Show a sweep's state from its store (running or finished; the coordinator is not disturbed)."
                )
                .WithExample("status", "runs/lambda-coarse-20261126-0930", "--json");
            config
                .AddCommand<ReportCommand>("report")
                .WithDescription(
                    "Rebuild a sweep folder's report.html (self-contained: open it in any browser) from its store."
                )
                .WithExample("report", "runs/lambda-coarse-20261126-0930");
            config
                .AddCommand<CertCommand>("cert")
                .WithDescription(
                    "Create a self-signed cluster certificate for sweeps over mutual TLS (give it to every node with --cert)."
                )
                .WithExample("cert", "--out", "cluster.pfx", "--password", "s3cret");
            // A developers' measurement, not a step of anyone's experiment: runnable, kept out of the command list.
            config
                .AddCommand<BenchCommand>("bench")
                .WithDescription(
                    "Developers: GEMM and update-step speed against this core's FMA peak, full recipe run times; or --coordinator."
                )
                .WithExample("bench", "--json")
                .IsHidden();
            config
                .AddCommand<BenchWorkerCommand>("bench-worker")
                .WithDescription("Developers: a worker node of bench --coordinator, which starts it.")
                .IsHidden();
            config.AddBranch("data", data =>
            {
                data.SetDescription("Find, download and inspect CIFAR-10.");
                data.AddCommand<DataFetchCommand>("fetch")
                    .WithDescription(
                        "Find CIFAR-10, or download the official archive (MD5-checked) to the default folder."
                    );
                data.AddCommand<DataInfoCommand>("info")
                    .WithDescription("Show where CIFAR-10 is read from and what the splits hold.");
            });
        });
        return app;
    }
}
