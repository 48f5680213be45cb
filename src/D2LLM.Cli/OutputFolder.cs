namespace D2LLM.Cli;

/// <summary>
/// The folder a long command (distill, finetune-teacher) writes into, claimed for the run. A new or empty folder is
/// marked as this command's (<see cref="MarkerFile"/>); a folder the same command marked is resumed. Anything else —
/// a file, a folder with files d2llm did not write (a model, a user's report.json), another command's output — is
/// refused unless forced, so a run never overwrites what it did not create. The marker stays locked while the run
/// lasts: a second run on the same folder is refused instead of tearing its files. A run that wrote nothing (a model that
/// failed to load, a device that is not there) leaves no trace: its marker goes, and the folder too if the claim made it.
/// </summary>
internal sealed class OutputFolder : IDisposable
{
    public const string MarkerFile = ".d2llm-output";

    private readonly FileStream _lock;

    private readonly bool _created;

    private OutputFolder(string path, FileStream lockStream, bool created) => (Path, _lock, _created) = (path, lockStream, created);

    public string Path { get; }

    /// <param name="path">the folder (--out)</param>
    /// <param name="command">the command claiming it, recorded in the marker</param>
    /// <param name="force">write into a folder that holds other files or another command's output (--force)</param>
    public static OutputFolder Claim(string path, string command, bool force)
    {
        if (File.Exists(path)) throw new IOException($"--out: {path} is a file; name a folder");
        bool created = !Directory.Exists(path);
        Directory.CreateDirectory(path);
        string marker = System.IO.Path.Combine(path, MarkerFile);
        var lockStream = File.Exists(marker) ? Lock(marker, path) : null;
        try
        {
            string? owner = lockStream is null ? null : new StreamReader(lockStream, leaveOpen: true).ReadToEnd().Trim();
            var others = Directory.EnumerateFileSystemEntries(path).Select(System.IO.Path.GetFileName).Where(n => n != MarkerFile).Order(StringComparer.Ordinal).ToList();
            if (!force && owner is null && others.Count > 0)
                throw new IOException($"--out: {path} holds files d2llm did not write ({string.Join(", ", others.Take(3))}{(others.Count > 3 ? ", ..." : "")}): "
                    + "name a new or empty folder, or pass --force to write into it");
            if (!force && owner is not null && owner != command)
                throw new IOException($"--out: {path} holds the output of '{owner}': name another folder, or pass --force to write into it");
            lockStream ??= Lock(marker, path);
        }
        catch
        {
            lockStream?.Dispose();
            throw;
        }

        lockStream.SetLength(0);
        lockStream.Write(System.Text.Encoding.UTF8.GetBytes(command + "\n"));
        lockStream.Flush(flushToDisk: true);
        return new OutputFolder(path, lockStream, created);
    }

    public void Dispose()
    {
        string marker = System.IO.Path.Combine(Path, MarkerFile);
        // A folder removed during the run has nothing to tidy; Dispose must not throw over the command's own error.
        bool wroteNothing = Directory.Exists(Path) && Directory.EnumerateFileSystemEntries(Path).All(e => System.IO.Path.GetFileName(e) == MarkerFile);
        if (wroteNothing) File.Delete(marker); // while the lock still holds it: no other run can have claimed it
        _lock.Dispose();
        if (!wroteNothing || !_created) return;
        try
        {
            Directory.Delete(Path);
        }
        catch (IOException)
        {
            // Something appeared in it since (another run claimed it): it stays.
        }
    }

    /// <summary>Opens (or creates) the marker for this run alone; another run holding it means the folder is in use.</summary>
    private static FileStream Lock(string marker, string path)
    {
        try
        {
            return new FileStream(marker, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException) when (File.Exists(marker))
        {
            throw new IOException($"--out: {path} is in use by another d2llm run");
        }
    }
}
