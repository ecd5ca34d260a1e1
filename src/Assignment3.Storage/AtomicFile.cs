namespace Assignment3.Storage;

public static class AtomicFile
{
    /// <summary>
    /// Writes through a temporary file and a rename, so a reader (a person watching the tables, a
    /// crash mid-write) sees the old content or the new, never half of one.
    /// </summary>
    public static void Write(string path, string text) => Write(path, writer => writer.Write(text));

    /// <summary>
    /// As <see cref="Write(string, string)"/>, the text streamed by <paramref name="write"/>: a file of many
    /// thousand rows is never held whole in memory.
    /// </summary>
    public static void Write(string path, Action<TextWriter> write)
    {
        var temporary = path + ".tmp";
        using (var writer = new StreamWriter(temporary))
            write(writer);
        File.Move(temporary, path, overwrite: true);
    }
}
