using System.Globalization;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace Assignment3.Experiments.Configuration;

/// <summary>
/// Parses HOCON with Akka's parser after a structural check of its own: Akka's parser accepts
/// unbalanced brackets and unterminated strings silently, loops forever on some of them, and
/// recurses without bound (deep nesting, self-referencing substitutions overflow the stack).
/// An experiment config must also say everything itself: its text is what a sweep's store checks
/// on resume, so <c>include</c> and <c>${...}</c> substitutions (whose values live elsewhere or
/// could change between runs) are refused by name.
/// </summary>
public static class HoconText
{
    /// <summary>Deepest nesting of braces and brackets a config may use (ours need 4).</summary>
    public const int MaxDepth = 32;

    public static Config Parse(string text, string source)
    {
        CheckStructure(text, source);
        try
        {
            return ConfigurationFactory.ParseString(text);
        }
        catch (Exception e) when (e is FormatException or ConfigurationException)
        {
            throw new ConfigException(
                $"{source}: malformed HOCON: {ConfigException.Excerpt(e.Message.Trim(), 200)}",
                e
            );
        }
    }

    /// <summary>
    /// A text file, not empty; brackets balanced and at most <see cref="MaxDepth"/> deep; strings
    /// terminated; no include or substitution. Reports line and column.
    /// </summary>
    public static void CheckStructure(string text, string source)
    {
        var open = new Stack<(char Bracket, int Line, int Column)>();
        var content = false;
        int line = 1,
            column = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            column++;
            if (c == '\n')
            {
                line++;
                column = 0;
                continue;
            }
            if (char.IsControl(c) && c is not ('\t' or '\r') || c == '\uFFFD')
                throw new ConfigException(
                    $"{source}:{line}:{column}: not a text config file (binary data: character 0x{(int)c:X2})"
                );
            if (c == '#' || (c == '/' && i + 1 < text.Length && text[i + 1] == '/'))
            {
                while (i + 1 < text.Length && text[i + 1] != '\n')
                    i++;
                continue;
            }
            if (!char.IsWhiteSpace(c))
                content = true;
            if (c == '"')
            {
                var (startLine, startColumn) = (line, column);
                var triple = i + 2 < text.Length && text[i + 1] == '"' && text[i + 2] == '"';
                var close = triple ? text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal) : EndOfQuoted(text, i + 1);
                if (close < 0)
                    throw new ConfigException(
                        $"{source}:{startLine}:{startColumn}: malformed HOCON: string is not terminated"
                    );
                var end = triple ? close + 2 : close;
                for (; i < end; i++)
                {
                    column++;
                    if (text[i + 1] == '\n')
                    {
                        line++;
                        column = 0;
                    }
                }
                continue;
            }
            if (c == '$' && i + 1 < text.Length && text[i + 1] == '{')
                throw new ConfigException(
                    $"{source}:{line}:{column}: substitutions (${{...}}) are not supported: "
                        + $"a config must give its values itself, so that a sweep's store can check it on resume"
                );
            if (IsIncludeKeyword(text, i))
                throw new ConfigException(
                    $"{source}:{line}:{column}: include is not supported: a config "
                        + $"must be one self-contained file, so that a sweep's store can check it on resume"
                );
            if (c is '{' or '[')
            {
                if (open.Count == MaxDepth)
                    throw new ConfigException(
                        $"{source}:{line}:{column}: malformed HOCON: nested more than {MaxDepth} levels deep"
                    );
                open.Push((c, line, column));
            }
            else if (c is '}' or ']')
            {
                var expected = c == '}' ? '{' : '[';
                if (open.Count == 0)
                    throw new ConfigException($"{source}:{line}:{column}: malformed HOCON: '{c}' closes nothing");
                var top = open.Pop();
                if (top.Bracket != expected)
                    throw new ConfigException(
                        $"{source}:{line}:{column}: malformed HOCON: '{c}' does not match '{top.Bracket}' opened at {top.Line}:{top.Column}"
                    );
            }
        }
        if (open.Count > 0)
        {
            var top = open.Peek();
            throw new ConfigException(
                $"{source}:{top.Line}:{top.Column}: malformed HOCON: '{top.Bracket}' is never closed"
            );
        }
        if (!content)
            throw new ConfigException(
                $"{source}: the config is empty; it needs at least a network or training section (see configs/)"
            );
    }

    /// <summary>An unquoted <c>include</c> at the start of a statement (a key named include-something is fine).</summary>
    private static bool IsIncludeKeyword(string text, int i)
    {
        const string keyword = "include";
        if (string.CompareOrdinal(text, i, keyword, 0, keyword.Length) != 0)
            return false;
        var before = i == 0 ? '\n' : text[i - 1];
        var after = i + keyword.Length < text.Length ? text[i + keyword.Length] : '\n';
        return (char.IsWhiteSpace(before) || before is '{' or ',') && (after is ' ' or '\t' or '"' or '(');
    }

    private static int EndOfQuoted(string text, int from)
    {
        for (var i = from; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
                continue;
            }
            if (text[i] == '"')
                return i;
            if (text[i] == '\n')
                return -1;
        }
        return -1;
    }

    /// <summary>A scalar's text, trimmed ("" for an object or a list): what error messages quote.</summary>
    public static string Scalar(HoconValue value) =>
        value.IsArray() || value.IsObject() ? "" : value.GetString()?.Trim() ?? "";

    /// <summary>A whole number of at least <paramref name="minimum"/>, or a ConfigException naming <paramref name="where"/> and what was given.</summary>
    public static int Whole(HoconValue value, string where, int minimum)
    {
        var text = Scalar(value);
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= minimum
            ? n
            : throw new ConfigException($"{where}: '{text}' is not allowed; expected a whole number >= {minimum}");
    }
}
