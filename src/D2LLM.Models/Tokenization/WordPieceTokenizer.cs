using System.Globalization;
using System.Text;
using System.Text.Json;

namespace D2LLM.Models.Tokenization;

/// <summary>
/// BERT's WordPiece tokenization as Hugging Face's fast tokenizer runs it (what sentence-transformers models are
/// trained and evaluated with), over a folder's vocab.txt:
///   normalise — drop NUL, U+FFFD and control characters, whitespace to spaces, spaces around CJK ideographs, then (as
///               tokenizer_config.json says; lower-casing implies it) accents stripped by NFD without nonspacing
///               marks, and lower-case;
///   split     — on whitespace, and every punctuation character (ASCII punctuation, Unicode P*) a token of its own;
///   WordPiece — greedy longest match from the left, continuations as ##piece; a word that cannot be matched or is
///               over 100 characters is [UNK].
/// Microsoft.ML.Tokenizers' BertTokenizer is not used: it drops ASCII symbols (+ &lt; = ^ $ | ~ `) and others (× ± ≥)
/// that the Hugging Face tokenizer keeps, which changes the ids of most scientific text.
/// </summary>
public sealed class WordPieceTokenizer
{
    private const int MaxCharsPerWord = 100;
    private static readonly string[] SpecialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
    private readonly Dictionary<string, int> _vocab;
    private readonly string[] _tokens;
    private readonly bool _lowerCase;
    private readonly bool _stripAccents;

    private WordPieceTokenizer(string[] tokens, bool lowerCase, bool stripAccents, string source)
    {
        _tokens = tokens;
        _vocab = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        for (int i = 0; i < tokens.Length; i++) _vocab.TryAdd(tokens[i], i);
        _lowerCase = lowerCase;
        _stripAccents = stripAccents;
        int Id(string token) => _vocab.TryGetValue(token, out int id) ? id : throw new InvalidDataException($"{source}: the vocabulary has no {token}");
        PadId = Id("[PAD]");
        UnknownId = Id("[UNK]");
        ClsId = Id("[CLS]");
        SepId = Id("[SEP]");
        MaskId = _vocab.GetValueOrDefault("[MASK]", UnknownId);
        SpecialIds = new HashSet<int> { PadId, UnknownId, ClsId, SepId, MaskId };
    }

    public int PadId { get; }
    public int UnknownId { get; }
    public int ClsId { get; }
    public int SepId { get; }
    public int MaskId { get; }

    /// <summary>[PAD], [UNK], [CLS], [SEP], [MASK].</summary>
    public IReadOnlySet<int> SpecialIds { get; }

    public int VocabSize => _tokens.Length;

    /// <summary>vocab.txt and (optionally) tokenizer_config.json (do_lower_case, strip_accents) of a model folder.</summary>
    public static WordPieceTokenizer Load(string directory)
    {
        string vocab = Path.Combine(directory, "vocab.txt");
        if (!File.Exists(vocab)) throw new FileNotFoundException($"{vocab}: file not found (a BERT folder needs its WordPiece vocabulary)", vocab);
        bool lower = true;
        bool? stripAccents = null;
        string config = Path.Combine(directory, "tokenizer_config.json");
        if (File.Exists(config))
        {
            using var doc = JsonFile.Parse(config);
            if (doc.RootElement.TryGetProperty("do_lower_case", out var l) && l.ValueKind is JsonValueKind.True or JsonValueKind.False) lower = l.GetBoolean();
            if (doc.RootElement.TryGetProperty("strip_accents", out var a) && a.ValueKind is JsonValueKind.True or JsonValueKind.False) stripAccents = a.GetBoolean();
        }

        var lines = File.ReadAllLines(vocab);
        int count = lines.Length > 0 && lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
        return new WordPieceTokenizer(lines[..count], lower, stripAccents ?? lower, vocab);
    }

    /// <summary>Token ids of a text, without [CLS]/[SEP]; with <paramref name="allowSpecialTokens"/>, "[SEP]" and the like in the text are those tokens.</summary>
    public int[] Encode(string text, bool allowSpecialTokens)
    {
        var ids = new List<int>();
        int start = 0;
        while (allowSpecialTokens && NextSpecial(text, start) is var (at, token))
        {
            EncodeText(text[start..at], ids);
            ids.Add(_vocab[token]);
            start = at + token.Length;
        }

        EncodeText(text[start..], ids);
        return ids.ToArray();
    }

    public string Decode(IEnumerable<int> ids)
    {
        var text = new StringBuilder();
        foreach (int id in ids)
        {
            string token = (uint)id < (uint)_tokens.Length ? _tokens[id] : "[UNK]";
            if (token.StartsWith("##", StringComparison.Ordinal)) text.Append(token, 2, token.Length - 2);
            else text.Append(text.Length > 0 ? " " : "").Append(token);
        }

        return text.ToString();
    }

    private (int At, string Token)? NextSpecial(string text, int start)
    {
        (int, string)? first = null;
        foreach (var token in SpecialTokens)
        {
            int at = _vocab.ContainsKey(token) ? text.IndexOf(token, start, StringComparison.Ordinal) : -1;
            if (at >= 0 && (first is null || at < first.Value.Item1)) first = (at, token);
        }

        return first;
    }

    private void EncodeText(string text, List<int> ids)
    {
        foreach (var word in PreTokenize(Normalize(text))) WordPiece(word, ids);
    }

    private string Normalize(string text)
    {
        var cleaned = new StringBuilder(text.Length + 8);
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value == 0 || rune.Value == 0xFFFD || IsControl(rune)) continue;
            if (IsWhitespace(rune)) cleaned.Append(' ');
            else if (IsCjk(rune.Value)) cleaned.Append(' ').Append(rune.ToString()).Append(' ');
            else cleaned.Append(rune.ToString());
        }

        string result = cleaned.ToString();
        if (_stripAccents)
        {
            var stripped = new StringBuilder(result.Length);
            foreach (var rune in result.Normalize(NormalizationForm.FormD).EnumerateRunes())
                if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.NonSpacingMark) stripped.Append(rune.ToString());
            result = stripped.ToString();
        }

        return _lowerCase ? result.ToLowerInvariant() : result;
    }

    /// <summary>Words: whitespace separates, and each punctuation character stands alone.</summary>
    private static List<string> PreTokenize(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            if (IsWhitespace(rune) || IsPunctuation(rune))
            {
                if (word.Length > 0) words.Add(word.ToString());
                word.Clear();
                if (!IsWhitespace(rune)) words.Add(rune.ToString());
            }
            else
            {
                word.Append(rune.ToString());
            }
        }

        if (word.Length > 0) words.Add(word.ToString());
        return words;
    }

    private void WordPiece(string word, List<int> ids)
    {
        if (word.EnumerateRunes().Count() > MaxCharsPerWord)
        {
            ids.Add(UnknownId);
            return;
        }

        int mark = ids.Count, start = 0;
        while (start < word.Length)
        {
            int end = word.Length, found = -1;
            while (end > start)
            {
                string piece = start > 0 ? "##" + word[start..end] : word[start..end];
                if (_vocab.TryGetValue(piece, out found)) break;
                end--;
                if (end > start && char.IsLowSurrogate(word[end])) end--; // never split a surrogate pair
                found = -1;
            }

            if (found < 0)
            {
                ids.RemoveRange(mark, ids.Count - mark);
                ids.Add(UnknownId);
                return;
            }

            ids.Add(found);
            start = end;
        }
    }

    private static bool IsWhitespace(Rune r) => r.Value is '\t' or '\n' or '\r' || Rune.IsWhiteSpace(r);

    private static bool IsControl(Rune r) => r.Value is not ('\t' or '\n' or '\r') && Rune.GetUnicodeCategory(r) is UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;

    private static bool IsPunctuation(Rune r) =>
        r.Value is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126
        || Rune.GetUnicodeCategory(r) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
            or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;

    /// <summary>The CJK Unified Ideograph blocks the Hugging Face tokenizer surrounds with spaces.</summary>
    private static bool IsCjk(int cp) =>
        cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF or >= 0x2A700 and <= 0x2B73F
            or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;
}
