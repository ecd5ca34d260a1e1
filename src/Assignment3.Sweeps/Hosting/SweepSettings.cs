using Akka.Actor;
using Akka.Configuration;

namespace Assignment3.Sweeps.Hosting;

/// <summary>
/// The sweep machinery's tunables, from the <c>a3.sweep</c> section of hocon/cluster.conf (timings
/// that change how fast things happen, never what a sweep computes).
/// </summary>
public sealed record SweepSettings(
    TimeSpan DeadlineCheckInterval,
    TimeSpan TableFlushInterval,
    TimeSpan IdentifyRetryInterval,
    TimeSpan DownUnreachableAfter,
    TimeSpan CoordinatorLostAfter,
    int MaxHandouts,
    TimeSpan CheckpointInterval,
    TimeSpan ReportInterval)
{
    public const string Section = "a3.sweep";

    /// <summary>The coordinator's own dispatcher (a pinned thread), configured in the same section.</summary>
    public const string CoordinatorDispatcher = Section + ".coordinator-dispatcher";

    public static SweepSettings Create(ActorSystem system) => Create(system.Settings.Config);

    public static SweepSettings Create(Config config)
    {
        var section = config.GetConfig(Section) ?? throw new ConfigurationException($"{Section} is missing from the node's configuration");
        TimeSpan Interval(string key) => section.GetTimeSpan(key, null, allowInfinite: false) is var t && t > TimeSpan.Zero
            ? t : throw new ConfigurationException($"{Section}.{key} must be a positive duration");
        var maxHandouts = section.GetInt("max-handouts");
        if (maxHandouts < 1) throw new ConfigurationException($"{Section}.max-handouts must be at least 1");
        return new SweepSettings(Interval("deadline-check-interval"), Interval("table-flush-interval"), Interval("identify-retry-interval"),
            Interval("down-unreachable-after"), Interval("coordinator-lost-after"), maxHandouts,
            section.GetTimeSpan("checkpoint-interval", null, allowInfinite: false) is var c && c >= TimeSpan.Zero
                ? c : throw new ConfigurationException($"{Section}.checkpoint-interval must be a duration of 0 or more"),
            Interval("report-interval"));
    }
}
