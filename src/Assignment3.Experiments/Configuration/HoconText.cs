using Akka.Configuration;

namespace Assignment3.Experiments.Configuration;

/// <summary>
/// Parses HOCON with Akka's parser after a structural check of its own: Akka's parser accepts
/// unbalanced brackets and unterminated strings silently, and loops forever on some of them.
/// </summary>
public static class HoconText
{
    public static Config Parse(string text, string source)
    {
        CheckStructure(text, source);
        try
        {
            return ConfigurationFactory.ParseString(text);
        }
        catch (Exception e) when (e is FormatException or ConfigurationException)
        {
            throw new ConfigException($"{source}: malformed HOCON: {e.Message.Trim()}", e);
        }
    }

    /// <summary>Brackets balanced and strings terminated, outside comments; reports line and column.</summary>
    public static void CheckStructure(string text, string source)
    {
        var open = new Stack<(char Bracket, int Line, int Column)>();
        int line = 1, column = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            column++;
            if (c == '\n') { line++; column = 0; continue; }
            if (c == '#' || (c == '/' && i + 1 < text.Length && text[i + 1] == '/'))
            {
                while (i + 1 < text.Length && text[i + 1] != '\n') i++;
                continue;
            }
            if (c == '"')
            {
                var (startLine, startColumn) = (line, column);
                var triple = i + 2 < text.Length && text[i + 1] == '"' && text[i + 2] == '"';
                var close = triple ? text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal) : EndOfQuoted(text, i + 1);
                if (close < 0)
                    throw new ConfigException($"{source}:{startLine}:{startColumn}: malformed HOCON: string is not terminated");
                var end = triple ? close + 2 : close;
                for (; i < end; i++) { column++; if (text[i + 1] == '\n') { line++; column = 0; } }
                continue;
            }
            if (c is '{' or '[') open.Push((c, line, column));
            else if (c is '}' or ']')
            {
                var expected = c == '}' ? '{' : '[';
                if (open.Count == 0)
                    throw new ConfigException($"{source}:{line}:{column}: malformed HOCON: '{c}' closes nothing");
                var top = open.Pop();
                if (top.Bracket != expected)
                    throw new ConfigException($"{source}:{line}:{column}: malformed HOCON: '{c}' does not match '{top.Bracket}' opened at {top.Line}:{top.Column}");
            }
        }
        if (open.Count > 0)
        {
            var top = open.Peek();
            throw new ConfigException($"{source}:{top.Line}:{top.Column}: malformed HOCON: '{top.Bracket}' is never closed");
        }
    }

    private static int EndOfQuoted(string text, int from)
    {
        for (var i = from; i < text.Length; i++)
        {
            if (text[i] == '\\') { i++; continue; }
            if (text[i] == '"') return i;
            if (text[i] == '\n') return -1;
        }
        return -1;
    }
}
