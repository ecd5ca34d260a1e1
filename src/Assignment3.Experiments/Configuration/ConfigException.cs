namespace Assignment3.Experiments.Configuration;

/// <summary>A config problem; the message names the file, the key and what is allowed.</summary>
public sealed class ConfigException(string message, Exception? inner = null) : Exception(message, inner);
