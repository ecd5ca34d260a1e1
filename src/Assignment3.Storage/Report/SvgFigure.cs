using System.Globalization;
using System.Net;
using System.Text;
using Assignment3.Experiments.Text;

namespace Assignment3.Storage.Report;

/// <summary>An axis: its range and whether it is logarithmic (then Min and Max are positive).</summary>
public sealed record Axis(double Min, double Max, bool Log, string Label)
{
    /// <summary>An axis covering <paramref name="values"/> with a little room on both ends.</summary>
    public static Axis Covering(IEnumerable<double> values, bool log, string label)
    {
        var finite = values.Where(v => double.IsFinite(v) && (!log || v > 0)).ToArray();
        if (finite.Length == 0)
            return new Axis(log ? 1e-3 : 0, log ? 1 : 1, log, label);
        var (min, max) = (finite.Min(), finite.Max());
        if (log)
        {
            var (lo, hi) = (Math.Log10(min), Math.Log10(max));
            var pad = Math.Max((hi - lo) * 0.05, 0.1);
            return new Axis(Math.Pow(10, lo - pad), Math.Pow(10, hi + pad), true, label);
        }
        var room = max > min ? (max - min) * 0.05 : Math.Max(Math.Abs(min) * 0.05, 0.01);
        return new Axis(min - room, max + room, false, label);
    }

    /// <summary>Where <paramref name="v"/> falls, 0 at Min to 1 at Max.</summary>
    public double Fraction(double v) =>
        Log ? (Math.Log10(v) - Math.Log10(Min)) / (Math.Log10(Max) - Math.Log10(Min)) : (v - Min) / (Max - Min);

    /// <summary>
    /// Tick values: powers of ten on a log axis spanning a decade or more (with 2 and 5 times each when there
    /// are fewer than three), else 1-2-5 steps.
    /// </summary>
    public IReadOnlyList<double> Ticks()
    {
        if (Log && Math.Log10(Max / Min) >= 1)
        {
            var decades = Enumerable
                .Range(
                    (int)Math.Ceiling(Math.Log10(Min)),
                    (int)Math.Floor(Math.Log10(Max)) - (int)Math.Ceiling(Math.Log10(Min)) + 1
                )
                .Select(e => Math.Pow(10, e))
                .ToArray();
            if (decades.Length < 3) // one or two powers of ten say little: 2 and 5 times each as well
                return Enumerable
                    .Range(
                        (int)Math.Floor(Math.Log10(Min)),
                        (int)Math.Floor(Math.Log10(Max)) - (int)Math.Floor(Math.Log10(Min)) + 1
                    )
                    .SelectMany(e => new[] { 1, 2, 5 }.Select(m => m * Math.Pow(10, e)))
                    .Where(t => t >= Min && t <= Max)
                    .ToArray();
            return decades.Length <= 8 ? decades : decades.Where((_, i) => i % 2 == 0).ToArray();
        }
        var span = Max - Min;
        var rough = span / 5;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var step = new[] { 1, 2, 5, 10 }.Select(m => m * magnitude).First(s => s >= rough);
        var ticks = new List<double>();
        for (var t = Math.Ceiling(Min / step) * step; t <= Max + step * 1e-9; t += step)
            ticks.Add(Math.Abs(t) < step * 1e-9 ? 0 : t);
        return ticks;
    }
}

/// <summary>
/// A plot as inline SVG, drawn from data in C# (the report needs no script and no network): axes
/// with ticks, points, lines, rectangles and text, each element carrying a class and a tooltip.
/// </summary>
public sealed class SvgFigure(int width, int height, Axis x, Axis y, string cssClass)
{
    public const int Left = 64,
        Right = 16,
        Top = 12,
        Bottom = 44;
    public static readonly string[] Palette =
    [
        "#1f77b4",
        "#ff7f0e",
        "#2ca02c",
        "#d62728",
        "#9467bd",
        "#8c564b",
        "#e377c2",
        "#17becf",
        "#bcbd22",
        "#7f7f7f",
    ];
    private readonly StringBuilder body = new();

    public Axis X { get; } = x;
    public Axis Y { get; } = y;
    public double PlotWidth => width - Left - Right;
    public double PlotHeight => height - Top - Bottom;

    public double Px(double v) => Left + X.Fraction(v) * PlotWidth;

    public double Py(double v) => Top + (1 - Y.Fraction(v)) * PlotHeight;

    public static string N(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    public static string Escape(string text) => WebUtility.HtmlEncode(text);

    /// <summary>A marker: circle, square or triangle (<paramref name="shape"/> 0, 1, 2), filled or hollow.</summary>
    public void Point(
        double vx,
        double vy,
        string colour,
        int shape,
        bool filled,
        string cls,
        string tooltip,
        string attributes = ""
    )
    {
        var (cx, cy) = (Px(vx), Py(vy));
        var paint = filled
            ? $"fill=\"{colour}\" stroke=\"{colour}\""
            : $"fill=\"white\" stroke=\"{colour}\" stroke-width=\"1.5\"";
        var title = $"<title>{Escape(tooltip)}</title>";
        body.Append(
            shape switch
            {
                1 =>
                    $"<rect class=\"{cls}\" {attributes} x=\"{N(cx - 4)}\" y=\"{N(cy - 4)}\" width=\"8\" height=\"8\" {paint}>{title}</rect>",
                2 => $"<polygon class=\"{cls}\" {attributes} points=\"{N(cx)},{N(cy - 5)} "
                    + $"{N(cx + 5)},{N(cy + 4)} {N(cx - 5)},{N(cy + 4)}\" {paint}>{title}</polygon>",
                _ =>
                    $"<circle class=\"{cls}\" {attributes} cx=\"{N(cx)}\" cy=\"{N(cy)}\" r=\"4.5\" {paint}>{title}</circle>",
            }
        );
    }

    public void Line(
        IEnumerable<(double X, double Y)> points,
        string colour,
        double strokeWidth,
        double opacity,
        string cls,
        string tooltip,
        bool dashed = false
    )
    {
        var path = string.Join(" ", points.Where(p => double.IsFinite(p.Y)).Select(p => $"{N(Px(p.X))},{N(Py(p.Y))}"));
        if (path.Length == 0)
            return;
        body.Append(
            $"<polyline class=\"{cls}\" points=\"{path}\" fill=\"none\" stroke=\"{colour}\" "
                + $"stroke-width=\"{N(strokeWidth)}\" stroke-opacity=\"{opacity.ToString(CultureInfo.InvariantCulture)}\""
                + (dashed ? " stroke-dasharray=\"4 3\"" : "")
                + $"><title>{Escape(tooltip)}</title></polyline>"
        );
    }

    /// <summary>A rectangle in pixel coordinates.</summary>
    public void Box(
        double px,
        double py,
        double w,
        double h,
        string colour,
        string cls,
        string tooltip,
        string? label = null
    )
    {
        body.Append(
            $"<rect class=\"{cls}\" x=\"{N(px)}\" y=\"{N(py)}\" width=\"{N(Math.Max(w, 1))}\" "
                + $"height=\"{N(h)}\" fill=\"{colour}\"><title>{Escape(tooltip)}</title></rect>"
        );
        if (label is not null && w > 8 * label.Length)
            body.Append(
                $"<text class=\"{cls}-label\" x=\"{N(px + w / 2)}\" y=\"{N(py + h / 2 + 4)}\" text-anchor=\"middle\" font-size=\"10\" "
                    + $"fill=\"{TextOn(colour)}\">{Escape(label)}</text>"
            );
    }

    /// <summary>
    /// White or black, whichever stands out more on <paramref name="fill"/> (#rrggbb): by WCAG 2's contrast
    /// ratio, (L1 + 0.05) / (L2 + 0.05) of relative luminances, one of them is always 4.58:1 or more.
    /// </summary>
    public static string TextOn(string fill)
    {
        double Linear(int at)
        {
            var v = int.Parse(fill.AsSpan(at, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture) / 255.0;
            return v <= 0.04045 ? v / 12.92 : Math.Pow((v + 0.055) / 1.055, 2.4);
        }
        var luminance = 0.2126 * Linear(1) + 0.7152 * Linear(3) + 0.0722 * Linear(5);
        return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 ? "white" : "black";
    }

    public void Text(
        double px,
        double py,
        string text,
        string anchor = "start",
        int size = 11,
        string colour = "#333"
    ) =>
        body.Append(
            $"<text x=\"{N(px)}\" y=\"{N(py)}\" text-anchor=\"{anchor}\" font-size=\"{size}\" fill=\"{colour}\">{Escape(text)}</text>"
        );

    public void Raw(string svg) => body.Append(svg);

    /// <summary>
    /// Appends the figure to <paramref name="page"/> in a figure element, with frame, grid, ticks and axis labels
    /// (<paramref name="xTicks"/> replaces the x axis's own, e.g. for categories), then <paramref name="caption"/>
    /// (HTML, escaped by the caller). Never made one string first: a figure of every trial of a large sweep is
    /// tens of MB, and such a string interpolated takes a buffer that size from the shared pool, which keeps it.
    /// </summary>
    public void AppendFigure(
        StringBuilder page,
        string caption,
        IReadOnlyList<(double Value, string Label)>? xTicks = null,
        bool yAxis = true
    )
    {
        page.Append("<figure>");
        page.Append(
            $"<svg class=\"{cssClass}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" "
                + $"height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\">"
        );
        page.Append(
            $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{N(PlotWidth)}\" height=\"{N(PlotHeight)}\" fill=\"#fcfcfc\" stroke=\"#bbb\"/>"
        );
        foreach (var (value, label) in xTicks ?? X.Ticks().Select(t => (t, Readable.Number(t))).ToArray())
        {
            var px = Px(value);
            page.Append(
                $"<line x1=\"{N(px)}\" x2=\"{N(px)}\" y1=\"{Top}\" y2=\"{N(Top + PlotHeight)}\" stroke=\"#eee\"/>"
            );
            page.Append(
                $"<text x=\"{N(px)}\" y=\"{N(Top + PlotHeight + 15)}\" text-anchor=\"middle\" font-size=\"10\" fill=\"#555\">{Escape(label)}</text>"
            );
        }
        if (yAxis)
            foreach (var t in Y.Ticks())
            {
                var py = Py(t);
                page.Append(
                    $"<line x1=\"{Left}\" x2=\"{N(Left + PlotWidth)}\" y1=\"{N(py)}\" y2=\"{N(py)}\" stroke=\"#eee\"/>"
                );
                page.Append(
                    $"<text x=\"{Left - 6}\" y=\"{N(py + 3)}\" text-anchor=\"end\" font-size=\"10\" fill=\"#555\">{Escape(Readable.Number(t))}</text>"
                );
            }
        page.Append(
            $"<text x=\"{N(Left + PlotWidth / 2)}\" y=\"{height - 8}\" text-anchor=\"middle\" "
                + $"font-size=\"12\" fill=\"#222\">{Escape(X.Label + (X.Log ? " (log scale)" : ""))}</text>"
        );
        if (yAxis)
            page.Append(
                $"<text transform=\"translate(14,{N(Top + PlotHeight / 2)}) rotate(-90)\" "
                    + $"text-anchor=\"middle\" font-size=\"12\" fill=\"#222\">{Escape(Y.Label + (Y.Log ? " (log scale)" : ""))}</text>"
            );
        page.Append(body);
        page.Append("</svg>");
        page.Append("<figcaption>").Append(caption).Append("</figcaption></figure>");
    }
}
