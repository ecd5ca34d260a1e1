using Akka.Actor;
using Akka.Configuration;

namespace Assignment3.Sweeps.Hosting;

/// <summary>
/// Every tunable of a3's machinery, from the <c>a3.sweep</c> section of hocon/cluster.conf (built in;
/// A3_HOCON or a loose copy override it): timings and limits that change how fast things happen and
/// what people see, never what a sweep computes. Read once per actor system or command.
/// </summary>
public sealed record SweepSettings(
    TimeSpan DeadlineCheckInterval,
    TimeSpan TableFlushInterval,
    TimeSpan IdentifyRetryInterval,
    TimeSpan DownUnreachableAfter,
    TimeSpan CoordinatorLostAfter,
    int MaxHandouts,
    TimeSpan CheckpointInterval,
    TimeSpan ReportInterval,
    double OutputsMaxShare,
    TimeSpan ReportRefresh,
    int PlottedTrials,
    TimeSpan SummaryInterval,
    TimeSpan PlainLinesInterval,
    TimeSpan LiveRedrawInterval,
    TimeSpan UnreachableNoticeInterval,
    TimeSpan DownloadTimeout,
    int? GroupCapacity,
    double GroupRunCost
)
{
    public const string Section = "a3.sweep";

    /// <summary>The coordinator's own dispatcher (a pinned thread), configured in the same section.</summary>
    public const string CoordinatorDispatcher = Section + ".coordinator-dispatcher";

    public static SweepSettings Create(ActorSystem system) => Create(system.Settings.Config);

    /// <summary>For commands without a node: the built-in settings under A3_HOCON and a loose hocon/cluster.conf.</summary>
    public static SweepSettings Current() => Create(SweepNode.Configuration("127.0.0.1", 0, [], []));

    public static SweepSettings Create(Config config)
    {
        var section = config.GetConfig(Section)
            ?? throw new ConfigurationException($"{Section} is missing from the node's configuration");
        TimeSpan Interval(string key) =>
            section.GetTimeSpan(key, null, allowInfinite: false) is var t && t > TimeSpan.Zero
                ? t
                : throw new ConfigurationException($"{Section}.{key} must be a positive duration");
        int AtLeastOne(string key) =>
            section.GetInt(key) is var n && n >= 1
                ? n
                : throw new ConfigurationException($"{Section}.{key} must be at least 1");
        var share = section.GetDouble("outputs-max-share");
        if (!(share > 0 && share <= 1))
            throw new ConfigurationException($"{Section}.outputs-max-share must be above 0 and at most 1");
        var runCost = section.GetDouble("group-run-cost");
        if (!(runCost > 0 && runCost <= 1))
            throw new ConfigurationException($"{Section}.group-run-cost must be above 0 and at most 1");
        return new SweepSettings(
            Interval("deadline-check-interval"),
            Interval("table-flush-interval"),
            Interval("identify-retry-interval"),
            Interval("down-unreachable-after"),
            Interval("coordinator-lost-after"),
            AtLeastOne("max-handouts"),
            section.GetTimeSpan("checkpoint-interval", null, allowInfinite: false) is var c && c >= TimeSpan.Zero
                ? c
                : throw new ConfigurationException($"{Section}.checkpoint-interval must be a duration of 0 or more"),
            Interval("report-interval"),
            share,
            Interval("report-refresh"),
            AtLeastOne("plotted-trials"),
            Interval("summary-interval"),
            Interval("plain-lines-interval"),
            Interval("live-redraw-interval"),
            Interval("unreachable-notice-interval"),
            Interval("download-timeout"),
            ReadGroupCapacity(section.GetString("group-capacity")),
            runCost
        );
    }

    /// <summary>group-capacity: auto (null: measured) or a whole number from 1 to 64.</summary>
    private static int? ReadGroupCapacity(string? text) =>
        text?.Trim() == "auto" ? null
        : int.TryParse(
            text,
            System.Globalization.NumberStyles.Integer,
            System.Globalization.CultureInfo.InvariantCulture,
            out var n
        ) && n is >= 1 and <= 64
            ? n
        : throw new ConfigurationException(
            $"{Section}.group-capacity must be auto or a whole number from 1 to 64, got '{text}'"
        );
}
