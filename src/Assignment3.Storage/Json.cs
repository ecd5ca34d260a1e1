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

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);
}
