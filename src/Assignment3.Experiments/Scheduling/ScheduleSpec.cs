using System.Globalization;
using Akka.Configuration.Hocon;
using Assignment3.Experiments.Configuration;
using Assignment3.Experiments.Sweeps;

namespace Assignment3.Experiments.Scheduling;

/// <summary>
/// A kind of schedule as configs name it: its settings, how it describes them, whether it stops
/// trials early, and the policy it builds for a stage. Each kind lives in its policy's file; adding
/// one is that file and a line in <see cref="Schedules.All"/>.
/// </summary>
public interface IScheduleKind
{
    string Name { get; }
    IReadOnlyList<SettingKey> Keys { get; }

    /// <summary>Whether trials pause at decision points (and so may end before their last step).</summary>
    bool StopsEarly { get; }

    string Describe(ScheduleSpec spec);

    /// <summary>The policy for a stage's plan; <paramref name="seed"/> is the sweep's.</summary>
    IStagePolicy Create(ScheduleSpec spec, StagePlan plan, int seed);
}

/// <summary>Every kind of schedule a config may name, one line each.</summary>
public static class Schedules
{
    public static readonly IReadOnlyList<IScheduleKind> All =
    [
        GridSchedule.Instance,
        SuccessiveHalvingSchedule.Instance,
        HyperbandSchedule.Instance,
        MedianSchedule.Instance,
        ThresholdSchedule.Instance,
    ];
}

/// <summary>
/// A stage's schedule, as the config gives it: <c>schedule { policy = successive-halving, eta = 3, min-budget = 1 }</c>
/// at sweep level for the first stage, or inside a stage of <c>sweep.stages</c>: a kind and its settings
/// (each kind's keys, with defaults for those not given). Budgets count cycles of the learning-rate
/// schedule (where the rate is at its minimum and runs compare fairly); a trial's largest budget is its
/// own <c>cycles</c>.
/// </summary>
public sealed record ScheduleSpec(IScheduleKind Kind, Settings Settings)
{
    public static readonly ScheduleSpec Grid = new(GridSchedule.Instance, Settings.Defaults([]));

    public string Name => Kind.Name;

    /// <summary>Whether trials of this stage may end before their last step.</summary>
    public bool StopsEarly => Kind.StopsEarly;

    /// <summary>A setting of this kind (its default when the config did not give it).</summary>
    public double Value(string key) => Settings.Value(key);

    /// <summary>A whole-number setting.</summary>
    public int Whole(string key) => Settings.Whole(key);

    public IStagePolicy Create(StagePlan plan, int seed) => Kind.Create(this, plan, seed);

    public override string ToString() => Kind.Describe(this);

    /// <summary>"from N cycle(s)": the first decision point, as the descriptions say it.</summary>
    public string FromBudget => $"from {Whole("min-budget")} cycle{(Whole("min-budget") == 1 ? "" : "s")}";

    /// <summary>Reads <c>schedule { ... }</c> at <paramref name="where"/> (e.g. sweep.schedule); the grid when absent.</summary>
    public static ScheduleSpec Read(HoconValue? value, string source, string where)
    {
        if (value is null)
            return Grid;
        if (!value.IsObject())
            throw new ConfigException(
                $"{source}: {where}: expected {{ policy = successive-halving, eta = 3, min-budget = 1 }}"
            );
        var items = value.GetObject().Items;
        var name = items.TryGetValue("policy", out var p) ? p.GetString()?.Trim() ?? "" : "";
        var kind = Schedules.All.FirstOrDefault(k => k.Name == name)
            ?? throw new ConfigException(
                $"{source}: {where}.policy: '{name}' is not a policy; expected {string.Join(", ", Schedules.All.Select(k => k.Name))}"
            );
        foreach (var key in items.Keys.Where(k => k != "policy" && kind.Keys.All(s => s.Name != k)))
            throw new ConfigException(
                $"{source}: {where}.{key}: does not apply to policy {name}; "
                    + (
                        kind.Keys.Count == 0
                            ? "it takes no settings"
                            : $"it takes {string.Join(", ", kind.Keys.Select(k => k.Name))}"
                    )
            );
        return new ScheduleSpec(kind, Settings.Read(items, kind.Keys, $"{source}: {where}"));
    }

    /// <summary>Refuses a schedule whose first decision would come at or after the trials' last step.</summary>
    public void Check(IEnumerable<int> cycles, string source, string where)
    {
        if (!StopsEarly)
            return;
        var most = cycles.DefaultIfEmpty(0).Max();
        var first = Whole("min-budget");
        if (most > 0 && first >= most)
            throw new ConfigException(
                $"{source}: {where}.min-budget: {first} cycles is not less than the trials' {most} cycles, so nothing would be decided; "
                    + "lower min-budget or raise training.cycles (the largest budget)"
            );
    }
}
