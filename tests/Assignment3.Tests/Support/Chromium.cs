using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using SkiaSharp;

namespace Assignment3.Tests.Support;

/// <summary>What headless Chromium saw when it opened a page: the DOM after loading, console messages, URLs it requested, a screenshot.</summary>
public sealed record PageVisit(
    string Dom,
    IReadOnlyList<string> ConsoleMessages,
    IReadOnlyList<string> RequestedUrls,
    string Screenshot
)
{
    /// <summary>Share of the screenshot's pixels that are not white (0 for a blank page).</summary>
    public double InkShare()
    {
        using var bitmap = SKBitmap.Decode(Screenshot) ?? throw new InvalidDataException($"{Screenshot}: not an image");
        var ink = 0;
        for (var y = 0; y < bitmap.Height; y += 2)
        for (var x = 0; x < bitmap.Width; x += 2)
            if (bitmap.GetPixel(x, y) is var c && c.Red + c.Green + c.Blue < 3 * 245)
                ink++;
        return ink / (bitmap.Width / 2.0 * (bitmap.Height / 2.0));
    }
}

/// <summary>A piece of text as drawn: its own text, element, class, and the colours of its letters and of what is behind them (RGB).</summary>
public sealed record DrawnText(string Text, string Element, string? Class, int[] Colour, int[] Background);

/// <summary>
/// A page's layout at one window width: how wide the document is against the window (wider scrolls
/// sideways), the elements that reach past the window's right edge, and every piece of text drawn.
/// </summary>
public sealed record PageLayout(
    int ScrollWidth,
    int ClientWidth,
    IReadOnlyList<string> Overflowing,
    IReadOnlyList<DrawnText> Texts
);

/// <summary>
/// Opens local pages in Debian's headless Chromium (scripts/test.sh installs it), each visit with a
/// fresh profile, and stops every browser process it starts.
/// </summary>
public static class Chromium
{
    private static readonly string[] Flags =
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--enable-logging=stderr",
        "--v=0",
    ];

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
            var (_, screenshotLog) = await Run(
                profile,
                [$"--screenshot={screenshot}", "--window-size=1400,2000", new Uri(page).AbsoluteUri]
            );
            // Console messages come as lines like: ...:INFO:CONSOLE:0] "message", source: file:///... (0)
            var console = log.Concat(screenshotLog).Where(l => l.Contains(":CONSOLE")).ToArray();
            return new PageVisit(dom, console, RequestedUrls(netLog), screenshot);
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }

    /// <summary>
    /// The layout of <paramref name="page"/> in a window <paramref name="width"/> pixels wide, measured by a
    /// script run in a copy of the page (the page itself allows no script). An SVG text's background is
    /// the rectangle drawn under its centre; an HTML element's the nearest opaque background around it.
    /// </summary>
    public static async Task<PageLayout> Layout(string page, string work, int width)
    {
        var html = File.ReadAllText(page);
        html = Regex.Replace(html, "<meta http-equiv=\"(Content-Security-Policy|refresh)\"[^>]*>", "");
        var copy = Path.Combine(work, "layout-probe.html");
        File.WriteAllText(copy, html.Replace("</body>", $"<script>{LayoutScript}</script></body>"));
        var profile = Directory.CreateTempSubdirectory("a3-chromium-").FullName;
        try
        {
            var (dom, _) = await Run(profile, ["--dump-dom", $"--window-size={width},900", new Uri(copy).AbsoluteUri]);
            var found = Regex.Match(dom, "<pre id=\"layout-probe\">([A-Za-z0-9+/=]*)</pre>");
            if (!found.Success)
                throw new InvalidDataException($"{copy}: the layout script wrote nothing (did it fail?)");
            var json = Encoding.UTF8.GetString(Convert.FromBase64String(found.Groups[1].Value));
            return JsonSerializer.Deserialize<PageLayout>(
                json,
                new JsonSerializerOptions { PropertyNameCaseInsensitive = true }
            )!;
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }

    private const string LayoutScript = """
        (() => {
          const rgb = s => {
            const m = /rgba?\(([^)]*)\)/.exec(s || '');
            if (!m) return null;
            const p = m[1].split(/[\s,\/]+/).filter(x => x).map(Number);
            return p.length > 3 && p[3] === 0 ? null : p.slice(0, 3);
          };
          const behind = e => {
            for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c) return c; }
            return [255, 255, 255];
          };
          const root = document.documentElement;
          const overflowing = [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > root.clientWidth + 0.5)
            .map(e => e.tagName.toLowerCase() + (e.getAttribute('class') ? '.' + e.getAttribute('class') : ''));
          const texts = [];
          for (const e of document.querySelectorAll('body *')) {
            if (e.tagName === 'title' || e.tagName === 'SCRIPT') continue; // tooltips are not drawn
            const own = [...e.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent.trim()).join(' ').trim();
            if (!own) continue;
            let colour, background;
            if (e instanceof SVGElement) {
              colour = rgb(getComputedStyle(e).fill);
              e.scrollIntoView({ block: 'center', inline: 'center' });
              const b = e.getBoundingClientRect();
              const under = document.elementsFromPoint(b.x + b.width / 2, b.y + b.height / 2)
                .find(u => u !== e && u.tagName === 'rect' && rgb(getComputedStyle(u).fill));
              background = under ? rgb(getComputedStyle(under).fill) : behind(e.ownerSVGElement);
            } else {
              colour = rgb(getComputedStyle(e).color);
              background = behind(e);
            }
            texts.push({ text: own.slice(0, 80), element: e.tagName.toLowerCase(), class: e.getAttribute('class'), colour, background });
          }
          const json = JSON.stringify({ scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, overflowing, texts });
          const out = document.createElement('pre');
          out.id = 'layout-probe';
          let bytes = '';
          for (const b of new TextEncoder().encode(json)) bytes += String.fromCharCode(b);
          out.textContent = btoa(bytes);
          document.body.appendChild(out);
        })();
        """;

    private static async Task<(string Stdout, IReadOnlyList<string> Stderr)> Run(
        string profile,
        IEnumerable<string> args
    )
    {
        var info = new ProcessStartInfo("chromium")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in Flags.Append($"--user-data-dir={profile}").Concat(args))
            info.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                "chromium is not installed: run the tests with scripts/test.sh (it installs Debian's chromium)",
                e
            );
        }
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
                if (!process.HasExited)
                    process.Kill(entireProcessTree: true);
            }
            return (await stdout, (await stderr).Split('\n'));
        }
    }

    /// <summary>Every URL the browser's network stack was asked for, from its net log, but the browser's own housekeeping.</summary>
    private static IReadOnlyList<string> RequestedUrls(string netLog)
    {
        if (!File.Exists(netLog))
            throw new FileNotFoundException($"{netLog}: Chromium wrote no net log");
        var text = File.ReadAllText(netLog).TrimEnd();
        if (!text.EndsWith('}'))
            text = text.TrimEnd(',') + "]}"; // a log cut short by the browser's exit
        using var json = JsonDocument.Parse(text);
        var urls = new List<string>();
        foreach (var e in json.RootElement.GetProperty("events").EnumerateArray())
            if (
                e.TryGetProperty("params", out var p)
                && p.ValueKind == JsonValueKind.Object
                && p.TryGetProperty("url", out var url)
                && url.GetString() is { } u
            )
                urls.Add(u);
        return urls.Distinct()
            .Where(u =>
                !(
                    Uri.TryCreate(u, UriKind.Absolute, out var uri)
                    && BrowserHousekeeping.Any(h => uri.Host == h || uri.Host.EndsWith("." + h))
                )
            )
            .ToArray();
    }
}
