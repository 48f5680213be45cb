using System.Runtime.InteropServices;

namespace D2LLM.Cli;

/// <summary>
/// Where an output goes, without destroying what is there: a regular file (or a new one) is written beside itself and
/// moved into place only when complete, so a failed run leaves the old file and no partial one; a link is followed to
/// the file it names (the link stays a link); a device or FIFO (<c>/dev/null</c>, a pipe) is written through, never
/// replaced; a folder, or a link to one, is refused.
/// </summary>
internal sealed partial class OutputFile : IDisposable
{
    private readonly string? _temp;
    private readonly string _target;
    private bool _committed;

    public OutputFile(string path)
    {
        _target = Resolve(path);
        switch (KindOf(_target))
        {
            case Kind.Directory:
                throw new IOException($"{path}: a folder{(_target == path ? "" : $" ({_target})")}, not a file to write");
            case Kind.Other:
                Stream = new FileStream(_target, FileMode.Open, FileAccess.Write); // a device or FIFO: written through
                break;
            default:
                _temp = _target + ".partial";
                Stream = new FileStream(_temp, FileMode.Create, FileAccess.Write);
                break;
        }
    }

    public Stream Stream { get; }

    /// <summary>Writes a whole text output as the class writes any (for outputs that are one document, such as eval's JSON).</summary>
    public static void WriteAllText(string path, string text)
    {
        using var output = new OutputFile(path);
        output.Stream.Write(new System.Text.UTF8Encoding(false).GetBytes(text));
        output.Commit();
    }

    /// <summary>Makes the output the target's content (the caller has flushed everything).</summary>
    public void Commit()
    {
        Stream.Dispose();
        if (_temp is not null) File.Move(_temp, _target, overwrite: true);
        _committed = true;
    }

    /// <summary>Without a commit, the partial output is removed and the target left as it was.</summary>
    public void Dispose()
    {
        try
        {
            Stream.Dispose();
        }
        catch (IOException)
        {
            // A full disk fails the last flush too; what matters now is removing the partial file.
        }
        finally
        {
            if (!_committed && _temp is not null && File.Exists(_temp)) File.Delete(_temp);
        }
    }

    private enum Kind
    {
        Missing,
        Regular,
        Directory,
        Other,
    }

    /// <summary>The file a chain of links ends at (the path itself when it is no link).</summary>
    private static string Resolve(string path)
    {
        var info = new FileInfo(path);
        return info.LinkTarget is null ? path : info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
    }

    private const int AtCurrentDirectory = -100;
    private const uint StatxType = 1;

    /// <summary>statx(2): its layout is the same on every architecture, unlike stat's; stx_mode is at byte 28.</summary>
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, byte[] buffer);

    private static Kind KindOf(string path)
    {
        if (!OperatingSystem.IsLinux()) return Directory.Exists(path) ? Kind.Directory : File.Exists(path) ? Kind.Regular : Kind.Missing;
        var buffer = new byte[256];
        if (statx(AtCurrentDirectory, path, 0, StatxType, buffer) != 0) return Kind.Missing;
        return (BitConverter.ToUInt16(buffer, 28) & 0xF000) switch
        {
            0x8000 => Kind.Regular,
            0x4000 => Kind.Directory,
            _ => Kind.Other,
        };
    }
}
