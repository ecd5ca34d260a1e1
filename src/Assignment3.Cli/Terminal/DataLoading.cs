using Assignment3.Core.Data;
using Assignment3.Sweeps.Hosting;
using Spectre.Console;

namespace Assignment3.Cli.Terminal;

/// <summary>Finds CIFAR-10 (downloading it with a progress bar when nothing is found) and loads a split.</summary>
public static class DataLoading
{
    public static async Task<string> LocateAsync(
        IAnsiConsole console,
        string? explicitPath,
        CancellationToken cancellation
    )
    {
        if (DataLocator.Default.TryLocate(explicitPath) is { } found)
            return found;
        console.MarkupLine(
            $"CIFAR-10 not found; downloading [blue]{Cifar10Download.OfficialUrl}[/] to {Markup.Escape(DataLocator.Default.DefaultFolder)}"
        );
        return await console
            .Progress()
            .Columns(
                new TaskDescriptionColumn(),
                new ProgressBarColumn(),
                new PercentageColumn(),
                new DownloadedColumn(),
                new TransferSpeedColumn(),
                new RemainingTimeColumn()
            )
            .StartAsync(async context =>
            {
                var task = context.AddTask("download", maxValue: 170_498_071);
                var progress = new Progress<(long Received, long? Total)>(p =>
                {
                    if (p.Total is { } total)
                        task.MaxValue = total;
                    task.Value = p.Received;
                });
                return await DataProvider.LocateOrFetchAsync(
                    DataLocator.Default,
                    explicitPath,
                    Cifar10Download.OfficialUrl,
                    Cifar10Download.OfficialMd5,
                    progress,
                    SweepSettings.Current().DownloadTimeout,
                    cancellation
                );
            });
    }

    /// <param name="interactive">False prints plain lines instead of a spinner (loading from a background thread, beside other output).</param>
    public static async Task<DataSplits> LoadAsync(
        IAnsiConsole console,
        string? explicitPath,
        DataOptions options,
        CancellationToken cancellation,
        bool interactive = true
    )
    {
        var location = await LocateAsync(console, explicitPath, cancellation);
        var describe = $"{options.Split.ToString().ToLowerInvariant()} split";
        Task<DataSplits> Load() =>
            Task.Run(() => Cifar10Loader.Load(Cifar10Source.Open(location), options), cancellation);
        DataSplits splits;
        if (interactive)
            splits = await console.Status().StartAsync($"Loading CIFAR-10 from {Markup.Escape(location)}", _ => Load());
        else
        {
            console.MarkupLineInterpolated(
                $"Loading CIFAR-10 ({describe}, {options.ValidationSize:N0} validation images) from [blue]{location}[/]"
            );
            splits = await Load();
        }
        var counts =
            $"{splits.Train.Count:N0} training, {splits.Validation.Count:N0} validation, {splits.Test.Count:N0} test images";
        console.MarkupLineInterpolated($"Data: [blue]{location}[/] ({describe}): {counts}");
        return splits;
    }
}
