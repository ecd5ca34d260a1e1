using Assignment3.Core.Data;

namespace Assignment3.Experiments.Objectives;

/// <summary>
/// One objective of a sweep: a metric to maximize or minimize, and optionally the reference value its
/// hypervolume is measured from (a front member must be better than it).
/// </summary>
public sealed record ObjectiveSpec(Metric Metric, bool Maximize, double? Reference = null)
{
    public string Goal => Maximize ? "max" : "min";

    /// <summary>
    /// The value as searches see it, minimized: an accuracy maximized is 1 - accuracy (the loss searches
    /// have always learned from); a count is taken in log10 (parameters span orders of magnitude); a maximized
    /// figure is negated.
    /// </summary>
    public double Loss(double value) =>
        Metric.IsCount ? (Maximize ? -1 : 1) * Math.Log10(Math.Max(value, 1e-12))
        : Maximize ? 1 - value
        : value;

    /// <summary>
    /// The reference value: the stated one; for an accuracy maximized, chance (1 / classes: a network no better
    /// than guessing adds nothing); null otherwise (the front's own worst value stands in, see <see cref="TradeOffs.ReferenceOf"/>).
    /// </summary>
    public double? DefaultReference => Reference ?? (!Metric.IsCount && Maximize ? 1.0 / Cifar10Format.Classes : null);

    /// <summary>Whether a is strictly better than b.</summary>
    public bool Better(double a, double b) => Maximize ? a > b : a < b;

    public override string ToString() => $"{Metric.Name} ({Goal})";
}
