using Assignment3.Experiments.Configuration;
using Assignment3.Experiments.Search;
using Assignment3.Experiments.Sweeps;
using Assignment3.Storage;
using Spectre.Console;

namespace Assignment3.Cli.Terminal;

/// <summary>A sweep's output folder: started new, or taken up again from any moment of an earlier run.</summary>
public static class SweepFolders
{
    public const string ConfigFile = "config.conf";

    /// <summary>
    /// The sweep in <paramref name="folder"/> as its store has it now, read from a copy (a coordinator
    /// may be writing it): config, state replayed from the events, and the events. Writes nothing.
    /// </summary>
    public static (SweepConfig Sweep, SweepState State, StoredSweep Stored) Read(IAnsiConsole console, string folder)
    {
        var stored = SweepStore.Read(folder);
        var storePath = Path.Combine(folder, SweepStore.FileName);
        foreach (var warning in stored.Warnings)
            console.MarkupLineInterpolated($"[yellow]{warning}[/]");
        var sweep = SweepConfig.Parse(stored.ConfigText, Path.Combine(folder, ConfigFile));
        try
        {
            return (sweep, SweepState.Replay(sweep, stored.Events), stored);
        }
        catch (InvalidSweepEventException e)
        {
            throw new StoreException(
                $"{storePath}: its events do not fit together ({e.Message}); nothing was changed",
                e
            );
        }
    }

    /// <summary>A new folder for the config: its store first (whole or absent), then the config beside it.</summary>
    public static (SweepConfig Sweep, string Folder, SweepStore Store, IReadOnlyList<SweepEvent> History) Start(
        IAnsiConsole console,
        string configPath,
        string? requestedFolder
    )
    {
        var sweep = SweepConfig.Load(configPath).ToSweep();
        var warm = WarmStartOf(console, sweep, configPath); // read (and refused) before anything is written
        var folder = OutputFolder.Create(requestedFolder, sweep.Experiment.Name);
        var store = SweepStore.Create(folder, sweep.Text);
        AtomicFile.Write(Path.Combine(folder, ConfigFile), sweep.Text);
        if (warm is null)
            return (sweep, folder, store, []);
        store.Append(warm);
        return (sweep, folder, store, [warm]);
    }

    /// <summary>
    /// The results of the earlier sweeps sweep.search.warm-start names (folders relative to the config's
    /// own), as the event that opens the new sweep's store; null without a warm start.
    /// </summary>
    private static SearchWarmStarted? WarmStartOf(IAnsiConsole console, SweepConfig sweep, string configPath)
    {
        if (sweep.Search?.WarmStart is not { Count: > 0 } folders)
            return null;
        var points = new List<double[]>();
        var losses = new List<double>();
        var sources = new List<string>();
        foreach (var (folder, i) in folders.Select((f, i) => (f, i)))
        {
            var where = $"{configPath}: sweep.search.warm-start[{i}]";
            var path = Path.GetFullPath(folder, Path.GetDirectoryName(Path.GetFullPath(configPath))!);
            SweepState earlier;
            try
            {
                (_, earlier, _) = Read(console, path);
            }
            catch (StoreException e)
            {
                throw new ConfigException($"{where}: {e.Message}");
            }
            foreach (var o in WarmStart.From(sweep, earlier, $"{where} ({path})"))
            {
                points.Add(o.Point);
                losses.Add(o.Loss);
            }
            sources.Add(path);
        }
        return new SearchWarmStarted(SweepConfig.FirstStage, points.ToArray(), losses.ToArray(), sources.ToArray());
    }

    /// <summary>
    /// The sweep in <paramref name="requestedFolder"/>, from whatever moment it stopped at: its store
    /// checked whole before anything is written (a refused store is left byte for byte as it was), or,
    /// when it stopped before its store existed, the sweep started afresh there from its config.
    /// </summary>
    public static (SweepConfig Sweep, string Folder, SweepStore Store, IReadOnlyList<SweepEvent> History) Resume(
        IAnsiConsole console,
        string requestedFolder
    )
    {
        var folder = Path.GetFullPath(requestedFolder);
        var configPath = Path.Combine(folder, ConfigFile);
        if (!Directory.Exists(folder))
            throw new StoreException(
                $"{folder}: no such folder; --resume takes the output folder of an earlier a3 sweep"
            );
        if (!File.Exists(Path.Combine(folder, SweepStore.FileName)))
        {
            if (!File.Exists(configPath))
                throw new StoreException(
                    $"{folder}: holds neither a sweep store nor {ConfigFile}; --resume takes the output folder of an earlier a3 sweep"
                );
            // Stopped before its store was made: nothing was recorded, so it starts from the beginning.
            var fresh = SweepConfig.Load(configPath).ToSweep();
            console.MarkupLineInterpolated(
                $"{folder} has no sweep store: the sweep stopped before recording anything; starting it from the beginning"
            );
            return (fresh, folder, SweepStore.Create(folder, fresh.Text), []);
        }

        var (sweep, _, stored) = Read(console, folder);
        if (File.Exists(configPath) && File.ReadAllText(configPath) != stored.ConfigText)
            throw new StoreException(
                $"{configPath}: differs from the config the sweep started with (kept in {Path.Combine(folder, SweepStore.FileName)}); "
                    + "a sweep resumes only with its own config: undo the edit, or start a new sweep with the edited config; nothing was changed"
            );
        var store = SweepStore.Continue(folder, stored);
        if (!File.Exists(configPath))
            AtomicFile.Write(configPath, stored.ConfigText);
        return (sweep, folder, store, stored.Events);
    }
}
