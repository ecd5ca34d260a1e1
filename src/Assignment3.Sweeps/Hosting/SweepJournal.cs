using System.Text.Json;
using Assignment3.Storage;
using Assignment3.Sweeps.Protocol;

namespace Assignment3.Sweeps.Hosting;

/// <summary>Where the coordinator makes each state change durable before acting on it.</summary>
public interface ISweepJournal
{
    void StagePlanned(string stage);
    void TrialStarted(int trial, int attempt, string node);
    void TrialRecorded(int trial, int attempts, string node, TrialOutcome outcome);
    void SweepCompleted();
}

/// <summary>No durability (tests of the coordinator alone).</summary>
public sealed class NoJournal : ISweepJournal
{
    public static readonly NoJournal Instance = new();
    public void StagePlanned(string stage) { }
    public void TrialStarted(int trial, int attempt, string node) { }
    public void TrialRecorded(int trial, int attempts, string node, TrialOutcome outcome) { }
    public void SweepCompleted() { }
}

/// <summary>The journal in the sweep's SQLite store.</summary>
public sealed class StoreJournal(SweepStore store) : ISweepJournal
{
    public void StagePlanned(string stage) => store.StagePlanned(stage);
    public void TrialStarted(int trial, int attempt, string node) => store.TrialStarted(trial, attempt, node);
    public void TrialRecorded(int trial, int attempts, string node, TrialOutcome outcome) =>
        store.TrialRecorded(trial, attempts, node, JsonSerializer.Serialize(outcome, Json.Options));
    public void SweepCompleted() => store.SweepCompleted();
}

/// <summary>Where an interrupted sweep stood: stages planned, hand-outs per trial, and the results recorded.</summary>
public sealed record ResumeState(
    IReadOnlyList<string> Stages,
    IReadOnlyDictionary<int, int> Attempts,
    IReadOnlyDictionary<int, (int Attempts, string Node, TrialOutcome Outcome)> Recorded,
    bool Completed)
{
    public static ResumeState From(StoredSweep stored, string path) => new(
        stored.Stages,
        stored.Attempts,
        stored.Recorded.ToDictionary(r => r.Key, r => (r.Value.Attempts, r.Value.Node,
            JsonSerializer.Deserialize<TrialOutcome>(r.Value.Outcome, Json.Options)
                ?? throw new StoreException($"{path}: trial {r.Key} has an empty result"))),
        stored.Completed);
}
