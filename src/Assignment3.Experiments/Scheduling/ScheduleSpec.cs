using System.Globalization;
using Akka.Configuration.Hocon;
using Assignment3.Experiments.Configuration;
using Assignment3.Experiments.Sweeps;

namespace Assignment3.Experiments.Scheduling;

public enum PolicyKind { Grid, SuccessiveHalving, Hyperband, Median }

/// <summary>
/// A stage's schedule, as the config gives it: <c>schedule { policy = successive-halving, eta = 3, min-budget = 1 }</c>
/// at sweep level for the first stage, or inside a stage of <c>sweep.stages</c>. Budgets count cycles
/// of the learning-rate schedule (where the rate is at its minimum and runs compare fairly); a
/// trial's largest budget is its own <c>cycles</c>.
/// </summary>
/// <param name="Eta">Successive halving and Hyperband: 1/eta of a rung's trials go on, to eta times its budget.</param>
/// <param name="MinBudget">Cycles every trial trains before the first decision (the median rule's grace period).</param>
/// <param name="MinTrials">Median rule: trials that must have reached a point before it stops anyone there.</param>
public sealed record ScheduleSpec(PolicyKind Policy, int Eta = 3, int MinBudget = 1, int MinTrials = 3)
{
    public static readonly ScheduleSpec Grid = new(PolicyKind.Grid);

    private static readonly (string Name, PolicyKind Kind)[] Names =
        [("grid", PolicyKind.Grid), ("successive-halving", PolicyKind.SuccessiveHalving), ("hyperband", PolicyKind.Hyperband), ("median", PolicyKind.Median)];

    public string Name => Names.First(n => n.Kind == Policy).Name;

    /// <summary>The policy for a stage's plan; <paramref name="seed"/> (the sweep's) partitions Hyperband's brackets.</summary>
    public IStagePolicy Create(StagePlan plan, int seed) => Policy switch
    {
        PolicyKind.SuccessiveHalving => SuccessiveHalvingPolicy.Create(plan, Eta, MinBudget),
        PolicyKind.Hyperband => HyperbandPolicy.Create(plan, Eta, MinBudget, seed),
        PolicyKind.Median => new MedianStoppingPolicy(plan, MinBudget, MinTrials),
        _ => GridPolicy.Instance,
    };

    public override string ToString() => Policy switch
    {
        PolicyKind.Grid => "grid",
        PolicyKind.Median => $"median (from {MinBudget} cycle{(MinBudget == 1 ? "" : "s")}, at least {MinTrials} trials)",
        _ => $"{Name} (eta {Eta}, from {MinBudget} cycle{(MinBudget == 1 ? "" : "s")})",
    };

    /// <summary>Reads <c>schedule { ... }</c> at <paramref name="where"/> (e.g. sweep.schedule); the grid when absent.</summary>
    public static ScheduleSpec Read(HoconValue? value, string source, string where)
    {
        if (value is null) return Grid;
        if (!value.IsObject()) throw new ConfigException($"{source}: {where}: expected {{ policy = successive-halving, eta = 3, min-budget = 1 }}");
        var items = value.GetObject().Items;
        string[] allowed = ["policy", "eta", "min-budget", "min-trials"];
        foreach (var key in items.Keys.Where(k => !allowed.Contains(k)))
            throw new ConfigException($"{source}: {where}.{key}: unknown key; allowed: {string.Join(", ", allowed)}");
        var name = items.TryGetValue("policy", out var p) ? p.GetString()?.Trim() ?? "" : "";
        var kind = Names.FirstOrDefault(n => n.Name == name).Name is null
            ? throw new ConfigException($"{source}: {where}.policy: '{name}' is not a policy; expected {string.Join(", ", Names.Select(n => n.Name))}")
            : Names.First(n => n.Name == name).Kind;
        int Whole(string key, int fallback, int minimum)
        {
            if (!items.TryGetValue(key, out var v)) return fallback;
            var text = v.IsArray() || v.IsObject() ? "" : v.GetString()?.Trim();
            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= minimum
                ? n : throw new ConfigException($"{source}: {where}.{key}: '{text}' is not allowed; expected a whole number >= {minimum}");
        }
        var spec = new ScheduleSpec(kind, Whole("eta", 3, 2), Whole("min-budget", 1, 1), Whole("min-trials", 3, 1));
        if (kind is PolicyKind.Grid && items.Count > 1 || kind is not PolicyKind.Median && items.ContainsKey("min-trials") || kind is PolicyKind.Median && items.ContainsKey("eta"))
            throw new ConfigException($"{source}: {where}: {string.Join(", ", items.Keys.Where(k => k != "policy"))} do not apply to policy {name}" +
                                      " (successive-halving and hyperband take eta and min-budget; median takes min-budget and min-trials)");
        return spec;
    }

    /// <summary>Refuses a schedule whose first decision would come at or after the trials' last step.</summary>
    public void Check(IEnumerable<int> cycles, string source, string where)
    {
        if (Policy == PolicyKind.Grid) return;
        var most = cycles.DefaultIfEmpty(0).Max();
        if (most > 0 && MinBudget >= most)
            throw new ConfigException($"{source}: {where}.min-budget: {MinBudget} cycles is not less than the trials' {most} cycles, so nothing would be decided; " +
                                      "lower min-budget or raise training.cycles (the largest budget)");
    }
}
