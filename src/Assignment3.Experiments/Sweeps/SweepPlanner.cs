using System.Globalization;
using Assignment3.Core.Randomness;
using Assignment3.Core.Training;
using Assignment3.Experiments.Configuration;

namespace Assignment3.Experiments.Sweeps;

/// <summary>
/// One trial of a sweep: its id, stage, parameter values (every parameter the config sets, formatted)
/// and the training config it runs, with a seed derived from the sweep seed and those values.
/// </summary>
public sealed record PlannedTrial(
    int Id,
    string Stage,
    IReadOnlyList<(string Key, string Value)> Parameters,
    TrainingConfig Config
)
{
    /// <summary>The parameter values as one canonical string: what a trial's seed is derived from.</summary>
    public string Key => string.Join(";", Parameters.Select(p => $"{p.Key}={p.Value}"));

    public string Value(string key) => Parameters.FirstOrDefault(p => p.Key == key).Value ?? "";

    /// <summary>The parameter that numbers a configuration's seeds when sweep.replicates > 1.</summary>
    public const string ReplicateKey = "replicate";

    /// <summary>The configuration without its replicate number: what replicates share.</summary>
    public string ConfigurationKey => ConfigurationOf(Parameters);

    public static string ConfigurationOf(IEnumerable<(string Key, string Value)> parameters) =>
        string.Join(";", parameters.Where(p => p.Key != ReplicateKey).Select(p => $"{p.Key}={p.Value}"));
}

/// <summary>
/// A finished trial as the planner needs it: validation accuracy (null unless completed or stopped
/// early) and the share of its steps it trained (1 unless stopped early).
/// </summary>
public sealed record StageResult(PlannedTrial Trial, double? ValidationAccuracy, double Reached = 1);

/// <summary>Expands a sweep's stages into trials. Pure: the same inputs give the same trials and seeds.</summary>
public static class SweepPlanner
{
    /// <summary>The trials of the first stage: every combination of the experiment's parameters, computed as needed.</summary>
    public static StagePlan FirstStage(SweepConfig sweep) =>
        sweep.Search is { } search
            ? new SearchPlan(sweep, search, SweepConfig.FirstStage, firstId: 1)
            : new GridPlan(sweep, SweepConfig.FirstStage, firstId: 1);

    /// <summary>
    /// The trials of stage <paramref name="stageIndex"/> (1 or more): for each of the top trials of
    /// its source stage by validation accuracy, the stage's recipe applied and the refined parameters
    /// spread around that trial's values. From a stage with early stopping, trials that trained
    /// furthest come first (survivors before those stopped early). Trials with the same parameters are planned once; values
    /// that fall outside a parameter's range are left out, with a warning.
    /// </summary>
    /// <param name="resolved">A source trial's resolved config (<see cref="StagePlan.Resolved"/>).</param>
    public static StagePlan NextStage(
        SweepConfig sweep,
        int stageIndex,
        IEnumerable<StageResult> sourceResults,
        int firstId,
        Func<int, ExperimentConfig> resolved
    )
    {
        var stage = sweep.Stages[stageIndex - 1];
        // Configurations, not seeds: replicates of one configuration count once, by their mean.
        var top = sourceResults
            .Where(r => r.Trial.Stage == stage.From && r.ValidationAccuracy is not null)
            .GroupBy(r => r.Trial.ConfigurationKey)
            .Select(g =>
                (
                    First: g.MinBy(r => r.Trial.Id)!,
                    Reached: g.Min(r => r.Reached),
                    Mean: g.Average(r => r.ValidationAccuracy!.Value)
                )
            )
            .OrderByDescending(c => c.Reached)
            .ThenByDescending(c => c.Mean)
            .ThenBy(c => c.First.Trial.Id)
            .Select(c => c.First)
            .Take(stage.Top);
        var trials = new List<PlannedTrial>();
        var configs = new List<ExperimentConfig>();
        var seen = new HashSet<string>();
        var warnings = new List<string>();
        var skipped = 0;
        foreach (var result in top)
        {
            var config = resolved(result.Trial.Id);
            foreach (var recipe in stage.Recipe)
                config = config.WithValues(recipe.Parameter, recipe.Values);
            foreach (var refine in stage.Refine)
            {
                var centre = refine.Parameter.ToNumber(
                    config.Parameters.FirstOrDefault(p => p.Parameter == refine.Parameter)?.Values[0]
                        ?? DefaultOf(refine.Parameter)
                );
                var values = Around(refine, centre, config, out var refused);
                if (refused > 0)
                    warnings.Add(
                        $"stage {stage.Name}: {refused} of {refine.Count} {refine.Parameter.Key} values around trial {result.Trial.Id}'s "
                            + $"{refine.Parameter.Format(refine.Parameter.FromNumber(centre, refine.Parameter.Path))} fall outside what a run allows; left out"
                    );
                config = config.WithValues(refine.Parameter, values);
            }
            for (var i = 0L; i < config.VariantCount; i++)
            {
                var variant = config.VariantAt(i);
                if (!sweep.TradeOffs.Admits(variant.Config))
                {
                    skipped++;
                    continue;
                }
                for (var replicate = 1; replicate <= sweep.Replicates; replicate++)
                {
                    var planned = Planned(sweep, stage.Name, firstId + trials.Count, variant, replicate);
                    if (!seen.Add(planned.Key))
                        continue;
                    trials.Add(planned);
                    configs.Add(variant.Resolved);
                }
            }
        }
        if (skipped > 0)
            warnings.Add(
                $"stage {stage.Name}: {skipped} refined configurations break "
                    + $"{string.Join(" or ", sweep.TradeOffs.BeforeTraining.Select(c => $"\"{c.Text}\""))} (sweep.constraints): skipped, never trained"
            );
        return new ListPlan(stage.Name, firstId, trials, configs) { Warnings = warnings };
    }

    /// <summary>
    /// A planned trial from a run of the config: its parameters, its seed, and its mini-batch order's
    /// seed (sweep.data-order). With sweep.replicates > 1 its replicate number is one of the parameters,
    /// so each replicate's seed differs, and so does its order.
    /// </summary>
    /// <param name="shared">Maps a value's text to the one string every trial of the plan shows it with (a grid's).</param>
    public static PlannedTrial Planned(
        SweepConfig sweep,
        string stage,
        int id,
        Variant variant,
        int replicate = 1,
        Func<string, string>? shared = null
    )
    {
        shared ??= text => text;
        (string Key, string)[] parameters =
        [
            .. variant.Resolved.Parameters.Select(p => (p.Parameter.Key, shared(p.Parameter.Format(p.Values[0])))),
            .. sweep.Replicates > 1
                ? [(PlannedTrial.ReplicateKey, shared(replicate.ToString(CultureInfo.InvariantCulture)))]
                : Array.Empty<(string, string)>(),
        ];
        var key = string.Join(";", parameters.Select(p => $"{p.Key}={p.Item2}"));
        var orderSeed = sweep.DataOrder == DataOrder.Shared ? DataOrderSeed(sweep.Seed, replicate) : (int?)null;
        return new PlannedTrial(
            id,
            stage,
            parameters,
            variant.Config with
            {
                Seed = TrialSeed(sweep.Seed, key),
                DataOrderSeed = orderSeed,
            }
        );
    }

    /// <summary>
    /// The mini-batch order's seed shared by a sweep's trials of one replicate (sweep.data-order = shared):
    /// every configuration sees the same mini-batches (common random numbers), so two configurations'
    /// difference is not blurred by the order's luck, and trials can train together.
    /// </summary>
    public static int DataOrderSeed(int sweepSeed, int replicate) =>
        Xoshiro256StarStar.StableSeed(
            sweepSeed,
            $"data-order|replicate {replicate.ToString(CultureInfo.InvariantCulture)}"
        );

    /// <summary>
    /// count values spanning span around centre (in log10 for log parameters), keeping those a run
    /// allows; the centre itself when none is.
    /// </summary>
    private static IReadOnlyList<object> Around(
        RefineSpec refine,
        double centre,
        ExperimentConfig config,
        out int refused
    )
    {
        var half = refine.Span / 2;
        var numbers =
            refine.Parameter.LogScale && centre > 0
                ? ValueForms.Grid(centre * Math.Pow(10, -half), centre * Math.Pow(10, half), refine.Count, log: true)
                : ValueForms.Grid(centre - half, centre + half, refine.Count, log: false);
        var values = new List<object>();
        refused = 0;
        foreach (var n in numbers)
        {
            try
            {
                var value = refine.Parameter.FromNumber(n, refine.Parameter.Path);
                config.WithValues(refine.Parameter, [value]).Validate();
                values.Add(value);
            }
            catch (ConfigException)
            {
                refused++; // outside the parameter's range (a negative count, more update steps than a run may take)
            }
        }
        return values.Count > 0
            ? values.DistinctBy(refine.Parameter.Format).ToArray()
            : [refine.Parameter.FromNumber(centre, refine.Parameter.Path)];
    }

    /// <summary>The recipe default of a parameter the first stage left unset.</summary>
    private static object DefaultOf(Parameter parameter) =>
        parameter.Default is double or int
            ? parameter.Default
            : throw new ConfigException($"{parameter.Path}: give it a value in the first stage before refining it"); // no number to refine around

    /// <summary>The training seed of a trial: a stable hash of the sweep seed and the trial's parameters.</summary>
    public static int TrialSeed(int sweepSeed, string parameterKey) =>
        Xoshiro256StarStar.StableSeed(sweepSeed, parameterKey);
}
