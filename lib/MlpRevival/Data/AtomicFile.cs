namespace MlpRevival.Data;

/// <summary>
/// Writes that are all-or-nothing: the content goes to a temporary file next to the target, which is
/// renamed over the target only when complete (rename is atomic within one file system). A crash
/// or an exception leaves the old file (or none), never half a file. A process killed mid-write
/// cannot delete its temporary file; the temporary's name carries the writer's process id, and the
/// next write of the same target (or <see cref="RemoveStaleTemps"/>) removes those whose writer is gone.
/// </summary>
public static class AtomicFile
{
    /// <summary>The stream given to <paramref name="write"/> is seekable (a new file opened for writing).</summary>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        RemoveStaleTemps(full);
        var temp = TempPath(full);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, s => { using var w = new StreamWriter(s, new System.Text.UTF8Encoding(false), leaveOpen: true); w.Write(text); });

    /// <summary>
    /// Throws <see cref="IOException"/> ("Cannot write the {what} …") unless <paramref name="path"/> can be
    /// written: its folder exists or can be made, it is not a folder itself, and a file can be created
    /// beside it. For checking before hours of work whose result goes there.
    /// </summary>
    public static void CheckWritable(string path, string what = "file")
    {
        var full = Path.GetFullPath(path);
        try
        {
            if (Directory.Exists(full)) throw new IOException("it is a folder; give a file name in it");
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            using (new FileStream(TempPath(full), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot write the {what} {full} ({e.Message}). Choose a path in a folder you can write to.", e);
        }
    }

    /// <summary>
    /// Deletes the temporary files that writes of <paramref name="path"/> left behind when their process
    /// was killed: those named after this target whose writer process no longer runs. Temporaries of a
    /// live process (a write under way) and of other targets are left alone. Returns how many were removed.
    /// </summary>
    public static int RemoveStaleTemps(string path)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder)) return 0;
        var prefix = $".{Path.GetFileName(full)}.";
        int removed = 0;
        foreach (var temp in Directory.EnumerateFiles(folder, $"{prefix}*.tmp"))
        {
            var middle = Path.GetFileName(temp)[prefix.Length..^".tmp".Length];   // "{pid}-{guid}"
            int dash = middle.IndexOf('-');
            if (dash <= 0 || !int.TryParse(middle[..dash], out int pid) || middle.Length - dash - 1 != 32 || IsRunning(pid)) continue;
            try
            {
                File.Delete(temp);
                removed++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* someone else's file: leave it */ }
        }
        return removed;
    }

    static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>A hidden temporary name in the same folder as <paramref name="full"/> (same file system, so the rename is atomic).</summary>
    internal static string TempPath(string full) =>
        Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
}
