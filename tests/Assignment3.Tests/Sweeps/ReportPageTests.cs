using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Assignment3.Tests.Sweeps;

/// <summary>
/// report.html of a finished and of a running sweep, opened in headless Chromium: it loads without
/// console errors and without a single network request, shows one search-space point per scored
/// trial and one row per trial, and is not a blank page.
/// </summary>
[Collection(nameof(ProcessCollection))]
public sealed class ReportPageTests(ITestOutputHelper output) : SweepProcessTest("a3-report-")
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task The_report_of_a_finished_sweep_is_self_contained_complete_and_rebuilt_by_a3_report()
    {
        using var processes = new A3Processes(data.Root, output);
        var folder = Path.Combine(work, "finished");
        Assert.Equal(
            0,
            await processes
                .Start("sweep", RepoPaths.Config("smoke.conf"), "--out", folder, "--slots", "2")
                .WaitAsync(Bound)
        );
        var report = Path.Combine(folder, "report.html");

        var visit = await Chromium.Open(report, work);

        AssertSelfContained(visit);
        Assert.DoesNotContain("http-equiv=\"refresh\"", visit.Dom); // complete: it stops reloading
        Assert.Contains("<b>complete</b>", visit.Dom);
        Assert.Equal(9, Count(FirstFigure(visit.Dom, "search-space"), "trial-point")); // both stages' trials, told apart by marker
        Assert.Equal(9, Count(visit.Dom, "trial-row"));
        Assert.Equal(9, SweepFiles.Trials(folder).Count(r => r.Status == "completed"));
        Assert.Contains("a3 train --config", visit.Dom);
        Assert.True(File.Exists(Path.Combine(folder, "plots", "search-space.png")));

        var status = processes.Start("status", folder);
        Assert.Equal(0, await status.WaitAsync(Bound));
        Assert.Contains(status.Output, l => l.Contains("complete, stage fine"));
        Assert.Contains(status.Output, l => l.StartsWith("9 of 9 trials recorded: 9 completed"));

        // a3 report rebuilds it from the store, for any sweep folder.
        File.Delete(report);
        Assert.Equal(0, await processes.Start("report", folder).WaitAsync(Bound));
        Assert.Equal(9, Count(File.ReadAllText(report), "trial-row"));
    }

    [Fact]
    public async Task The_report_of_a_running_sweep_shows_what_is_recorded_so_far_and_reloads_itself()
    {
        using var processes = new A3Processes(data.Root, output);
        var config = Path.Combine(work, "slow.conf");
        // One trial at a time (no groups): results come one by one while the next trial runs.
        File.WriteAllText(
            config,
            File.ReadAllText(RepoPaths.Config("smoke.conf"))
                .Replace("step-size = 20", "step-size = 15000")
                .Replace("points-per-cycle = 2", "points-per-cycle = 20")
                .Replace("seed = 7", "seed = 7\n  group-size = 1")
        );
        var folder = Path.Combine(work, "running");
        var sweep = processes.StartWith(
            new Dictionary<string, string?> { ["A3_HOCON"] = "a3.sweep.report-interval = 200ms" },
            "sweep",
            config,
            "--out",
            folder,
            "--slots",
            "1"
        );
        var report = Path.Combine(folder, "report.html");
        var snapshot = Path.Combine(work, "snapshot.html");
        await Await.Until(
            () =>
            {
                if (!File.Exists(report))
                    return false;
                var html = File.ReadAllText(report);
                if (Count(html, "trial-point") < 2 || !html.Contains("running-curve"))
                    return false;
                File.WriteAllText(snapshot, html);
                return true;
            },
            "a report with two results and a running trial",
            Bound
        );

        // a3 status reads the store beside the running coordinator without disturbing it.
        var status = processes.Start("status", folder, "--json");
        Assert.Equal(0, await status.WaitAsync(Bound));
        using (var json = System.Text.Json.JsonDocument.Parse(string.Join("\n", status.Output)))
        {
            Assert.Equal("not complete", json.RootElement.GetProperty("state").GetString());
            Assert.True(json.RootElement.GetProperty("recorded").GetInt32() >= 2);
            Assert.Equal(6, json.RootElement.GetProperty("planned").GetInt32());
        }
        var visit = await Chromium.Open(snapshot, work);
        Assert.False(sweep.HasExited);
        sweep.Signal("KILL");

        AssertSelfContained(visit);
        Assert.Contains("http-equiv=\"refresh\"", visit.Dom);
        var completed = Regex
            .Matches(visit.Dom, "<tr class=\"trial-row\">(?:<td>[^<]*</td>)*?<td>completed</td>")
            .Count;
        Assert.Equal(completed, Count(FirstFigure(visit.Dom, "search-space"), "trial-point"));
        Assert.Equal(6, Count(visit.Dom, "trial-row")); // every planned trial of the stage, queued ones too
        output.WriteLine($"{completed} trials recorded when the page was read");
    }

    private void AssertSelfContained(PageVisit visit)
    {
        Assert.Empty(visit.ConsoleMessages);
        Assert.All(visit.RequestedUrls, url => Assert.StartsWith("file://", url));
        Assert.True(visit.InkShare() > 0.02, $"the screenshot is nearly blank ({visit.InkShare():P1} ink)");
        output.WriteLine(
            $"{visit.RequestedUrls.Count} URL(s) requested: {string.Join(", ", visit.RequestedUrls)}; {visit.InkShare():P1} ink"
        );
    }

    private static int Count(string html, string cls) => Regex.Matches(html, $"class=\"{cls}\"").Count;

    private static string FirstFigure(string html, string cls)
    {
        var start = html.IndexOf($"<svg class=\"{cls}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no {cls} figure in the page");
        return html[start..(html.IndexOf("</svg>", start, StringComparison.Ordinal) + 6)];
    }
}
