namespace Assignment3.Experiments.Configuration;

/// <summary>A config problem; the message names the file, the key and what is allowed.</summary>
public sealed class ConfigException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>
    /// At most <paramref name="length"/> characters of a user's text, control characters shown as '?',
    /// for quoting it in a message (a file of binary garbage must not be echoed whole).
    /// </summary>
    public static string Excerpt(string text, int length = 40)
    {
        var shown = new string(text.Take(length).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return text.Length > length ? $"{shown}... ({text.Length:N0} characters)" : shown;
    }
}
