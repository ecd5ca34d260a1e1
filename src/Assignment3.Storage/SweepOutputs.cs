using Assignment3.Core.Training;
using Assignment3.Experiments.Sweeps;

namespace Assignment3.Storage;

/// <summary>
/// Everything one rewrite of a sweep folder needs, taken from the sweep's state at one moment, so the
/// writing happens off the aggregator's thread while the state moves on.
/// </summary>
public sealed record SweepOutputs(
    string Folder,
    IReadOnlyList<TrialRow> Rows,
    TableSpec Table,
    bool TestAccuracy,
    object Summary,
    IReadOnlyList<(int Trial, CurvePoint[] Curve)> NewCurves,
    IReadOnlyList<(string Stage, IReadOnlyList<(string Name, IReadOnlyList<CurvePoint> Curve)> Runs)> Plots,
    IReadOnlyList<(string Stage, string Policy, IReadOnlyList<Experiments.Scheduling.RungRow> Rungs)> Rungs,
    Report.ReportData? Report,
    IReadOnlyList<SweepFolder.SearchTable> Searches,
    IReadOnlyList<SweepFolder.FrontTable> Fronts
)
{
    /// <summary>
    /// Writes the outputs (each file atomically); returns how long the report took (null: not due). An I/O
    /// failure propagates naming its file.
    /// </summary>
    public TimeSpan? Write()
    {
        foreach (var (trial, curve) in NewCurves)
            SweepFolder.WriteCurve(Folder, trial, curve);
        SweepFolder.WriteTrials(Folder, Rows, TestAccuracy);
        foreach (var stageRows in Rows.GroupBy(r => r.Stage))
            SweepFolder.WriteTable(Folder, stageRows.Key, stageRows.ToArray(), Table.Rows, Table.Columns, Table.Cell);
        foreach (var (stage, policy, rungs) in Rungs)
            SweepFolder.WriteRungs(Folder, stage, policy, rungs);
        foreach (var search in Searches)
            SweepFolder.WriteSearch(Folder, search);
        foreach (var front in Fronts)
            if (front.Stage == SweepFolder.AllStages)
                SweepFolder.WriteFrontConfs(Folder, front);
            else
                SweepFolder.WriteFront(Folder, front);
        SweepFolder.WriteSummary(Folder, Summary);
        foreach (var (stage, runs) in Plots)
            SweepFolder.WritePlots(Folder, stage, runs);
        if (Report is null)
            return null;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Storage.Report.SweepReport.Write(Report);
        if (Report.Complete)
            Storage.Report.SearchSpacePlot.Write(Folder, Report);
        return clock.Elapsed;
    }
}
