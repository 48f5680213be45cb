using System.Text;

namespace D2LLM.Data;

/// <summary>
/// Lines of a UTF-8 stream, each decoded on its own and strictly, so that invalid bytes are an error naming their line
/// (a StreamReader decodes whole buffers ahead, and by default turns bad bytes into U+FFFD without a word); a stream
/// that fails to read (a damaged .gz) is an error naming the line it failed in.
/// </summary>
public sealed class Utf8LineReader(Stream stream, string source) : IDisposable
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly BufferedStream _input = new(stream, 1 << 16);
    private readonly MemoryStream _line = new();
    private int _number;

    /// <summary>The next line without its line break (a leading byte-order mark dropped), or null at the end.</summary>
    public string? ReadLine()
    {
        _line.SetLength(0);
        int b;
        try
        {
            while ((b = _input.ReadByte()) >= 0 && b != '\n') _line.WriteByte((byte)b);
        }
        catch (InvalidDataException e)
        {
            throw new DataLineException(source, _number + 1, $"the data is damaged ({e.Message})", e);
        }

        if (b < 0 && _line.Length == 0) return null;
        _number++;
        var bytes = _line.GetBuffer().AsSpan(0, (int)_line.Length);
        if (bytes.Length > 0 && bytes[^1] == '\r') bytes = bytes[..^1];
        if (_number == 1 && bytes.StartsWith("\uFEFF"u8)) bytes = bytes[3..];
        try
        {
            return Strict.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new DataLineException(source, _number, $"not valid UTF-8 ({e.Message})");
        }
    }

    /// <summary>The number of the line last read (1-based).</summary>
    public int Number => _number;

    public void Dispose() => _input.Dispose();
}
