using System.ComponentModel;
using Assignment3.Cli.Terminal;
using Assignment3.Core.Data;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Assignment3.Cli.Commands;

/// <summary>Where CIFAR-10 comes from; every command that reads data takes this option.</summary>
public class DataSettings : CommandSettings
{
    [CommandOption("--data <PATH>"), Description("CIFAR-10 folder or archive (else A3_DATA, else the default folder).")]
    public string? Data { get; init; }
}

public sealed class DataFetchCommand : AsyncCommand<DataSettings>
{
    public override async Task<int> ExecuteAsync(
        CommandContext context,
        DataSettings settings,
        CancellationToken cancellation
    )
    {
        var console = Consoles.ForHumans(false);
        var location = await DataLoading.LocateAsync(console, settings.Data, cancellation);
        console.MarkupLineInterpolated($"CIFAR-10 is at [blue]{location}[/]");
        return 0;
    }
}

public sealed class DataInfoCommand : AsyncCommand<DataSettings>
{
    public override async Task<int> ExecuteAsync(
        CommandContext context,
        DataSettings settings,
        CancellationToken cancellation
    )
    {
        var console = Consoles.ForHumans(false);
        var table = new Table().AddColumns("Candidate", "From", "Holds CIFAR-10");
        foreach (var (path, origin) in DataLocator.Default.Candidates(settings.Data))
            table.AddRow(
                Markup.Escape(path),
                origin,
                DataLocator.Probe(path) is { } found ? Markup.Escape(found) : "no"
            );
        console.Write(table);
        foreach (var split in new[] { SplitKind.Batch1, SplitKind.All })
            await DataLoading.LoadAsync(console, settings.Data, new DataOptions(split), cancellation);
        return 0;
    }
}
