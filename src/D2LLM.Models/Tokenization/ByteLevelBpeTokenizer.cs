using System.Text;
using System.Text.Json;

namespace D2LLM.Models.Tokenization;

/// <summary>
/// A byte-level BPE tokenizer read from a Hugging Face <c>tokenizer.json</c> (Qwen2/2.5/3, GPT-2 style files):
/// added tokens → normalizer → pre-tokenizer → byte-level BPE, and the reverse for decoding. Encoding adds no
/// special tokens around the text. Thread-safe.
/// </summary>
public sealed class ByteLevelBpeTokenizer
{
    private readonly Normalizer _normalizer;
    private readonly PreTokenizer _preTokenizer;
    private readonly BpeModel _model;
    private readonly AddedTokenMatcher _added;
    private readonly Dictionary<string, int> _vocab;
    private readonly string[] _idToToken;
    private readonly Dictionary<int, AddedToken> _addedById;

    // A scratch list per thread: encoding a short text allocates nothing but its pieces and ids.
    [ThreadStatic]
    private static List<string>? t_pieces;

    private ByteLevelBpeTokenizer(Normalizer normalizer, PreTokenizer preTokenizer, BpeModel model, Dictionary<string, int> vocab,
        IReadOnlyList<AddedToken> addedTokens)
    {
        _normalizer = normalizer;
        _preTokenizer = preTokenizer;
        _model = model;
        _vocab = vocab;
        AddedTokens = addedTokens;
        _addedById = addedTokens.ToDictionary(t => t.Id);
        _added = new AddedTokenMatcher(addedTokens);
        foreach (var t in addedTokens) _vocab.TryAdd(t.Content, t.Id);
        int size = Math.Max(_vocab.Values.DefaultIfEmpty(-1).Max() + 1, 0);
        _idToToken = new string[size];
        foreach (var (token, id) in _vocab) _idToToken[id] = token;
        foreach (var t in addedTokens) _idToToken[t.Id] = t.Content;
    }

    /// <summary>The merge model (for tests that compare its two merge paths).</summary>
    internal BpeModel Model => _model;

    /// <summary>
    /// Forgets the merges cached per pre-token (up to 200,000 are kept): frees their memory, and lets a benchmark
    /// measure cold encoding with compiled code.
    /// </summary>
    public void ClearCache() => _model.ClearCache();

    /// <summary>Number of ids, added tokens included.</summary>
    public int VocabSize => _idToToken.Length;

    public IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>Loads <c>tokenizer.json</c> from a file or a model folder.</summary>
    public static ByteLevelBpeTokenizer Load(string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, "tokenizer.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        try
        {
            using var stream = File.OpenRead(path);
            using var doc = JsonDocument.Parse(stream);
            return Parse(doc.RootElement, path);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})");
        }
        catch (KeyNotFoundException e)
        {
            throw new InvalidDataException($"{path}: a required field is missing ({e.Message})");
        }
        catch (InvalidOperationException e)
        {
            // A field of the wrong JSON kind (a vocab that is an array, a merge that is a number, ...): JsonElement's own words.
            throw new InvalidDataException($"{path}: a field has the wrong type ({e.Message})");
        }
    }

    /// <summary>
    /// Token ids of <paramref name="text"/>, no special tokens added. With <paramref name="allowSpecialTokens"/> false
    /// (for untrusted text placed inside a prompt) special-token strings are encoded as plain text, so a passage
    /// containing <c>&lt;|im_end|&gt;</c> cannot end the prompt early.
    /// </summary>
    public int[] Encode(string text, bool allowSpecialTokens = true)
    {
        var ids = new List<int>(text.Length / 3 + 4);
        Encode(text, ids, allowSpecialTokens);
        return ids.ToArray();
    }

    public void Encode(string text, List<int> ids, bool allowSpecialTokens = true) =>
        Encode(text, ids, allowSpecialTokens ? null : (_, _) => false);

    /// <summary>
    /// Encodes a whole prompt as one string (BPE merges across its parts exactly as for any text) while special
    /// tokens are recognised only outside <paramref name="untrusted"/> — the regions holding user text.
    /// </summary>
    public int[] EncodePrompt(string prompt, IReadOnlyList<Range> untrusted)
    {
        var spans = untrusted.Select(r => r.GetOffsetAndLength(prompt.Length)).ToArray();
        var ids = new List<int>(prompt.Length / 3 + 4);
        Encode(prompt, ids, (start, end) => !spans.Any(s => start < s.Offset + s.Length && s.Offset < end));
        return ids.ToArray();
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Encode(string text, List<int> ids, Func<int, int, bool>? specialAllowed)
    {
        ArgumentNullException.ThrowIfNull(text);
        var pieces = t_pieces ??= new List<string>();
        if (!_added.MayOccurIn(text))
        {
            EncodePlain(text, ids, pieces);
            return;
        }

        var segments = new List<(int Start, int End, AddedToken? Token)>();
        _added.Split(text, specialAllowed, segments);
        foreach (var (start, end, token) in segments)
        {
            if (token is not null) ids.Add(token.Id);
            else EncodePlain(text[start..end], ids, pieces);
        }
    }

    private void EncodePlain(string text, List<int> ids, List<string> pieces)
    {
        pieces.Clear();
        _preTokenizer.Split(_normalizer.Apply(text), pieces);
        foreach (var piece in pieces) _model.Encode(piece, ids);
    }

    /// <summary>
    /// The encoding as pieces with their place: each added token and each pre-token of the (normalised) text, in
    /// order, with its ids. Returns the text the places refer to: <paramref name="text"/> itself, or its normalised
    /// form when normalisation changed it. What <see cref="HuggingFaceTokenizer"/> builds offsets and limits from.
    /// </summary>
    internal string EncodePieces(string text, bool allowSpecialTokens, bool normalize, bool preTokenize, List<(int Start, int End, int[] Ids)> result)
    {
        var segments = new List<(int Start, int End, AddedToken? Token)>();
        _added.Split(text, allowSpecialTokens ? null : (_, _) => false, segments);
        var normalized = new StringBuilder(text.Length);
        var pieces = new List<string>();
        var ids = new List<int>();
        foreach (var (start, end, token) in segments)
        {
            int offset = normalized.Length;
            if (token is not null)
            {
                normalized.Append(text, start, end - start);
                result.Add((offset, normalized.Length, [token.Id]));
                continue;
            }

            string segment = text[start..end];
            string form = normalize ? _normalizer.Apply(segment) : segment;
            pieces.Clear();
            if (preTokenize) _preTokenizer.Split(form, pieces);
            else pieces.Add(form);
            int cursor = 0;
            foreach (var piece in pieces)
            {
                // A piece is found in order; one the pre-tokenizer changed (a prefix space) is placed at the cursor.
                int at = form.IndexOf(piece, cursor, StringComparison.Ordinal);
                if (at < 0) at = cursor;
                ids.Clear();
                _model.Encode(piece, ids);
                int pieceEnd = Math.Min(at + piece.Length, form.Length);
                result.Add((offset + at, offset + pieceEnd, ids.ToArray()));
                cursor = pieceEnd;
            }

            normalized.Append(form);
        }

        string full = normalized.ToString();
        return full == text ? text : full;
    }

    /// <summary>Text of the ids: byte-level tokens are joined and decoded as UTF-8; added tokens give their content.</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        var text = new StringBuilder();
        var bytes = new List<byte>();
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_idToToken.Length || _idToToken[id] is null)
                throw new ArgumentOutOfRangeException(nameof(ids), $"token id {id} is not in the vocabulary");
            if (_addedById.TryGetValue(id, out var added))
            {
                Flush();
                if (!(skipSpecialTokens && added.Special)) text.Append(added.Content);
                continue;
            }

            foreach (char c in _idToToken[id]) bytes.Add(ByteLevel.CharToByte.TryGetValue(c, out byte b) ? b : (byte)'?');
        }

        Flush();
        return text.ToString();

        void Flush()
        {
            text.Append(Encoding.UTF8.GetString(bytes.ToArray()));
            bytes.Clear();
        }
    }

    /// <summary>The id of a token string (byte-level form for ordinary tokens), or null.</summary>
    public int? TokenToId(string token) => _vocab.TryGetValue(token, out int id) ? id : null;

    public string IdToToken(int id) => _idToToken[id];

    /// <summary>Whether <paramref name="id"/> is an added token (its text is whole, not UTF-8 bytes).</summary>
    internal bool IsAdded(int id) => _addedById.ContainsKey(id);

    private static ByteLevelBpeTokenizer Parse(JsonElement root, string source)
    {
        var model = root.GetProperty("model");
        string type = model.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "BPE";
        if (type != "BPE") throw new InvalidDataException($"{source}: model type '{type}' is not supported (byte-level BPE)");
        if (!HasByteLevel(root)) throw new InvalidDataException($"{source}: only byte-level BPE is supported (no ByteLevel pre-tokenizer or decoder)");

        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in model.GetProperty("vocab").EnumerateObject()) vocab[entry.Name] = entry.Value.GetInt32();
        var merges = new List<(string, string)>();
        foreach (var m in model.GetProperty("merges").EnumerateArray())
        {
            if (m.ValueKind == JsonValueKind.Array) merges.Add((m[0].GetString()!, m[1].GetString()!));
            else
            {
                string s = m.GetString()!;
                int space = s.IndexOf(' ', 1);
                if (space < 0) throw new InvalidDataException($"{source}: merge '{s}' is not two tokens");
                merges.Add((s[..space], s[(space + 1)..]));
            }
        }

        var added = new List<AddedToken>();
        if (root.TryGetProperty("added_tokens", out var addedTokens) && addedTokens.ValueKind == JsonValueKind.Array)
        {
            foreach (var a in addedTokens.EnumerateArray())
            {
                added.Add(new AddedToken(a.GetProperty("id").GetInt32(), a.GetProperty("content").GetString()!,
                    Flag(a, "special"), Flag(a, "lstrip"), Flag(a, "rstrip"), Flag(a, "single_word")));
            }
        }

        return new ByteLevelBpeTokenizer(
            Normalizer.Parse(root.TryGetProperty("normalizer", out var n) ? n : default, source),
            PreTokenizer.Parse(root.TryGetProperty("pre_tokenizer", out var p) ? p : default, source),
            new BpeModel(vocab, merges, source), vocab, added);

        static bool Flag(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;
    }

    private static bool HasByteLevel(JsonElement root) =>
        root.TryGetProperty("decoder", out var d) && d.GetRawText().Contains("\"ByteLevel\"")
        || root.TryGetProperty("pre_tokenizer", out var p) && p.GetRawText().Contains("\"ByteLevel\"");
}
