using System.Globalization;
using System.Text.RegularExpressions;
using Assignment3.Experiments.Sweeps;
using Assignment3.Storage;
using Assignment3.Storage.Report;
using Xunit.Abstractions;

namespace Assignment3.Tests.Sweeps;

/// <summary>
/// report.html of a wide sweep (nine parameters that vary, long shapes, a long error, a long folder)
/// as Chromium lays it out at 1,280 px: no sideways scrolling, the every-trial table without the
/// columns that are the same in every row, and every drawn label at a contrast of 4.5:1 or more.
/// </summary>
[Collection(nameof(ProcessCollection))]
public sealed class ReportLayoutTests(ITestOutputHelper output) : IDisposable
{
    private readonly string work = Directory.CreateTempSubdirectory("a3-layout-").FullName;

    [Fact]
    public async Task A_wide_sweeps_report_fits_1280_pixels_and_every_label_is_readable()
    {
        var data = WideSweep(Path.Combine(work, new string('f', 60), "sweep-with-a-rather-long-folder-name"));
        Directory.CreateDirectory(data.Folder);
        SweepReport.Write(data);
        var page = Path.Combine(data.Folder, SweepReport.FileName);

        var layout = await Chromium.Layout(page, work, 1280);

        Assert.True(
            layout.ScrollWidth <= layout.ClientWidth,
            $"the page is {layout.ScrollWidth} px wide in a {layout.ClientWidth} px window: {string.Join(", ", layout.Overflowing.Distinct().Take(10))}"
        );
        var unreadable = layout
            .Texts.Select(t => (t, Ratio: ContrastRatio(t.Colour, t.Background)))
            .Where(x => x.Ratio < 4.5)
            .ToArray();
        Assert.True(
            unreadable.Length == 0,
            string.Join(
                "\n",
                unreadable.Select(x =>
                    $"{x.t.Element}.{x.t.Class} \"{x.t.Text}\": {Hex(x.t.Colour)} on {Hex(x.t.Background)}, {x.Ratio:0.00}:1"
                )
            )
        );
        Assert.Contains(layout.Texts, t => t.Class == "heat-cell-label"); // the heat map's labels were checked
        Assert.Contains(layout.Texts, t => t.Class == "attempt-label");
        output.WriteLine(
            $"{layout.Texts.Count} labels, the lowest contrast {layout.Texts.Min(t => ContrastRatio(t.Colour, t.Background)):0.00}:1"
        );

        // The every-trial table: a column per parameter or field that varies; the rest said once above it.
        var html = File.ReadAllText(page);
        var table = html[html.IndexOf("<table class=\"trials\"", StringComparison.Ordinal)..];
        var header = table[..table.IndexOf("</tr>", StringComparison.Ordinal)];
        foreach (
            var varying in new[] { "trial", "hidden", "lambda", "eta-max", "status", "validation accuracy", "error" }
        )
            Assert.Contains($"<th>{varying}</th>", header);
        foreach (var constant in new[] { "step-size", "stage", "node", "hand-outs", "test accuracy", "group" })
            Assert.DoesNotContain($"<th>{constant}</th>", header);
        Assert.Equal(
            "The same in every trial: stage = main, step-size = 20, cycles trained = 2.00, node = worker-1, hand-outs = 1.",
            Regex.Match(html, "<p id=\"same-in-every-trial\">([^<]*)</p>").Groups[1].Value
        );
    }

    /// <summary>WCAG 2's contrast ratio of two sRGB colours: (L1 + 0.05) / (L2 + 0.05), lighter over darker.</summary>
    private static double ContrastRatio(int[] a, int[] b)
    {
        static double Luminance(int[] c)
        {
            double Linear(int v) =>
                v / 255.0 <= 0.04045 ? v / 255.0 / 12.92 : Math.Pow((v / 255.0 + 0.055) / 1.055, 2.4);
            return 0.2126 * Linear(c[0]) + 0.7152 * Linear(c[1]) + 0.0722 * Linear(c[2]);
        }
        var (la, lb) = (Luminance(a), Luminance(b));
        return (Math.Max(la, lb) + 0.05) / (Math.Min(la, lb) + 0.05);
    }

    private static string Hex(int[] c) => $"#{c[0]:x2}{c[1]:x2}{c[2]:x2}";

    /// <summary>
    /// Sixteen trials on a 4 x 4 grid of lambda and eta-max (a heat map from the palest cell to the
    /// darkest), with seven more parameters that vary, one that does not, and every way a hand-out ends.
    /// </summary>
    private static ReportData WideSweep(string folder)
    {
        var started = new DateTime(2026, 12, 6, 8, 0, 0, DateTimeKind.Utc);
        var rows = new List<TrialRow>();
        var trials = new List<ReportTrial>();
        string[] lambdas = ["0.0001", "0.001", "0.01", "0.1"],
            etaMaxes = ["0.01", "0.03", "0.1", "0.3"];
        AttemptEnd[] endings =
        [
            AttemptEnd.Completed,
            AttemptEnd.Paused,
            AttemptEnd.Requeued,
            AttemptEnd.Diverged,
            AttemptEnd.Failed,
        ];
        for (var id = 1; id <= 16; id++)
        {
            var i = id - 1;
            (string, string)[] parameters =
            [
                (
                    "hidden",
                    i % 2 == 0 ? "[50, 50, 50, 50, 50, 50, 50, 50, 50]" : "[100, 100, 100, 100, 100, 100, 100, 100]"
                ),
                ("batch-norm", i % 3 == 0 ? "false" : "true"),
                ("init", i % 4 == 0 ? "xavier" : "he"),
                ("lambda", lambdas[i % 4]),
                ("batch-size", $"{100 + 50 * (i % 3)}"),
                ("eta-min", (0.00001 * (1 + i % 5)).ToString(CultureInfo.InvariantCulture)),
                ("eta-max", etaMaxes[i / 4]),
                ("step-size", "20"),
                ("cycles", $"{1 + i % 3}"),
                ("train-eval-subset", $"{1000 * (i % 2)}"),
            ];
            var failed = id == 5;
            var accuracy = failed ? (double?)null : 0.30 + 0.015 * i;
            var phase = failed ? TrialPhase.Failed : TrialPhase.Completed;
            var error = failed
                ? "System.IO.IOException:/a/very/long/path/without/any/spaces/that/goes/on/" + new string('x', 120)
                : null;
            rows.Add(
                new TrialRow(
                    id,
                    "main",
                    parameters,
                    7,
                    phase,
                    accuracy,
                    null,
                    accuracy,
                    1.5,
                    null,
                    12.5 + i,
                    "worker-1",
                    1,
                    error,
                    Budget: 2
                )
            );
            var from = started.AddSeconds(20 * i);
            AttemptEnd? end = id == 16 ? null : endings[i % endings.Length]; // the last still runs
            AttemptRecord[] attempts =
            [
                new(
                    1,
                    "worker-1",
                    $"slot-{i % 2}",
                    from,
                    end is null ? null : from.AddSeconds(19),
                    end,
                    end?.ToString()
                ),
            ];
            var curve = accuracy is { } a ? Enumerable.Range(1, 4).Select(s => (s * 20, a * s / 4)).ToArray() : [];
            trials.Add(new ReportTrial(id, "main", phase, parameters, accuracy, true, 2, curve, attempts, 2));
        }
        return new ReportData(
            folder,
            "wide",
            SweepRunState.Complete,
            started,
            started.AddSeconds(400),
            16,
            rows,
            trials,
            new TableSpec("lambda", "eta-max", "validation-accuracy"),
            [],
            null,
            null
        );
    }

    public void Dispose() => Directory.Delete(work, recursive: true);
}
