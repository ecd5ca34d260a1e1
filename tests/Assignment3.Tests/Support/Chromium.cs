using System.Diagnostics;
using System.Text.Json;
using SkiaSharp;

namespace Assignment3.Tests.Support;

/// <summary>What headless Chromium saw when it opened a page: the DOM after loading, console messages, URLs it requested, a screenshot.</summary>
public sealed record PageVisit(string Dom, IReadOnlyList<string> ConsoleMessages, IReadOnlyList<string> RequestedUrls, string Screenshot)
{
    /// <summary>Share of the screenshot's pixels that are not white (0 for a blank page).</summary>
    public double InkShare()
    {
        using var bitmap = SKBitmap.Decode(Screenshot) ?? throw new InvalidDataException($"{Screenshot}: not an image");
        var ink = 0;
        for (var y = 0; y < bitmap.Height; y += 2)
            for (var x = 0; x < bitmap.Width; x += 2)
                if (bitmap.GetPixel(x, y) is var c && c.Red + c.Green + c.Blue < 3 * 245) ink++;
        return ink / (bitmap.Width / 2.0 * (bitmap.Height / 2.0));
    }
}

/// <summary>
/// Opens local pages in Debian's headless Chromium (scripts/test.sh installs it), each visit with a
/// fresh profile, and stops every browser process it starts.
/// </summary>
public static class Chromium
{
    private static readonly string[] Flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--enable-logging=stderr", "--v=0"];

    /// <summary>Hosts the browser itself talks to (updates, clock, dictionaries, accounts) whatever page it shows.</summary>
    private static readonly string[] BrowserHousekeeping = ["google.com", "googleapis.com", "gvt1.com"];

    public static async Task<PageVisit> Open(string page, string work)
    {
        var profile = Directory.CreateTempSubdirectory("a3-chromium-").FullName;
        try
        {
            var netLog = Path.Combine(work, "net-log.json");
            var screenshot = Path.Combine(work, "screenshot.png");
            var (dom, log) = await Run(profile, [$"--log-net-log={netLog}", "--dump-dom", new Uri(page).AbsoluteUri]);
            var (_, screenshotLog) = await Run(profile, [$"--screenshot={screenshot}", "--window-size=1400,2000", new Uri(page).AbsoluteUri]);
            // Console messages come as lines like: ...:INFO:CONSOLE:0] "message", source: file:///... (0)
            var console = log.Concat(screenshotLog).Where(l => l.Contains(":CONSOLE")).ToArray();
            return new PageVisit(dom, console, RequestedUrls(netLog), screenshot);
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }

    private static async Task<(string Stdout, IReadOnlyList<string> Stderr)> Run(string profile, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("chromium") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in Flags.Append($"--user-data-dir={profile}").Concat(args)) info.ArgumentList.Add(arg);
        Process process;
        try { process = Process.Start(info)!; }
        catch (System.ComponentModel.Win32Exception e) { throw new InvalidOperationException("chromium is not installed: run the tests with scripts/test.sh (it installs Debian's chromium)", e); }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            try
            {
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            }
            finally
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
            }
            return (await stdout, (await stderr).Split('\n'));
        }
    }

    /// <summary>Every URL the browser's network stack was asked for, from its net log, but the browser's own housekeeping.</summary>
    private static IReadOnlyList<string> RequestedUrls(string netLog)
    {
        if (!File.Exists(netLog)) throw new FileNotFoundException($"{netLog}: Chromium wrote no net log");
        var text = File.ReadAllText(netLog).TrimEnd();
        if (!text.EndsWith('}')) text = text.TrimEnd(',') + "]}"; // a log cut short by the browser's exit
        using var json = JsonDocument.Parse(text);
        var urls = new List<string>();
        foreach (var e in json.RootElement.GetProperty("events").EnumerateArray())
            if (e.TryGetProperty("params", out var p) && p.ValueKind == JsonValueKind.Object && p.TryGetProperty("url", out var url) && url.GetString() is { } u)
                urls.Add(u);
        return urls.Distinct().Where(u => !(Uri.TryCreate(u, UriKind.Absolute, out var uri) && BrowserHousekeeping.Any(h => uri.Host == h || uri.Host.EndsWith("." + h)))).ToArray();
    }
}
