namespace Assignment3.Storage;

public static class AtomicFile
{
    /// <summary>
    /// Writes through a temporary file and a rename, so a reader (a person watching the tables, a
    /// crash mid-write) sees the old content or the new, never half of one.
    /// </summary>
    public static void Write(string path, string text)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }
}
