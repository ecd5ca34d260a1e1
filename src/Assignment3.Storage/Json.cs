using System.Text.Json;
using System.Text.Json.Serialization;

namespace Assignment3.Storage;

public static class Json
{
    /// <summary>camelCase, indented; NaN and infinities written as strings (a diverged run's cost).</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals | JsonNumberHandling.AllowReadingFromString,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>The same on one line, for values stored rather than read by people (the sweep store's events).</summary>
    public static readonly JsonSerializerOptions Compact = new(Options) { WriteIndented = false };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);
}
