using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using D2LLM.Data;

namespace D2LLM.Cli;

/// <summary>
/// JSON Lines in and out for the line-oriented commands: input from a file or stdin, output to a file or stdout,
/// one output line per input line, in order. A malformed line fails with the file, line number and field.
/// </summary>
internal sealed class JsonLines : IDisposable
{
    private readonly Utf8LineReader _reader;
    private readonly TextWriter _writer;
    private readonly OutputFile? _output;

    public JsonLines(string? inputPath, string? outputPath)
    {
        Source = inputPath ?? "<stdin>";
        if (inputPath is not null && !File.Exists(inputPath)) throw new FileNotFoundException($"{inputPath}: file not found", inputPath);
        _reader = new Utf8LineReader(inputPath is null ? Console.OpenStandardInput() : File.OpenRead(inputPath), Source);
        if (outputPath is null)
        {
            _writer = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = false };
        }
        else
        {
            _output = new OutputFile(outputPath);
            _writer = new StreamWriter(_output.Stream, new UTF8Encoding(false));
        }
    }

    public string Source { get; }

    /// <summary>Non-blank input lines as (line number, JSON object).</summary>
    public IEnumerable<(int Line, JsonObject Json)> Read()
    {
        while (_reader.ReadLine() is { } line)
        {
            int number = _reader.Number;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(line);
            }
            catch (JsonException e)
            {
                throw new DataLineException(Source, number, $"not valid JSON ({e.Message})");
            }

            if (node is not JsonObject obj) throw new DataLineException(Source, number, $"expected a JSON object");
            yield return (number, obj);
        }
    }

    public string RequireString(JsonObject json, int line, string field)
    {
        try
        {
            if (json[field] is JsonValue v && v.TryGetValue(out string? s)) return s;
        }
        catch (InvalidOperationException)
        {
            // JSON may escape a lone surrogate (\ud800), which is no text at all.
            throw new DataLineException(Source, line, $"field \"{field}\" holds a lone surrogate escape, which is not text");
        }

        throw new DataLineException(Source, line, $"field \"{field}\" is missing or not a string");
    }

    // Non-ASCII text (Chinese passages) is written as is, not as \uXXXX escapes; output is UTF-8 JSON either way.
    private static readonly JsonSerializerOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public void Write(object value) => _writer.WriteLine(JsonSerializer.Serialize(value, Options));

    /// <summary>Flushes, and puts a file output in place (see <see cref="OutputFile"/>).</summary>
    public void Complete()
    {
        _writer.Flush();
        _output?.Commit();
    }

    public void Dispose()
    {
        _reader.Dispose();
        if (_output is null) _writer.Dispose();
        else _output.Dispose(); // owns the stream under the writer; removes an uncommitted partial file even when the disk is full
    }
}
