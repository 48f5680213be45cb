using System.Buffers;
using System.Text;
using Ml = Microsoft.ML.Tokenizers;

namespace D2LLM.Models.Tokenization;

/// <summary>
/// A Hugging Face <c>tokenizer.json</c> (byte-level BPE: Qwen2/2.5/3, GPT-2 style) as a Microsoft.ML.Tokenizers
/// <see cref="Ml.Tokenizer"/>, so APIs that take one (text chunkers, token budgets) count and cut with the model's own
/// tokens. The engine is <see cref="ByteLevelBpeTokenizer"/> (the package's own BPE cannot read tokenizer.json and is
/// not exact on astral characters). Ids equal the engine's. Offsets are character ranges of the text, or of the
/// normalised text when normalisation changed it (then <c>NormalizedText</c> is set); a token that holds part of a
/// character's UTF-8 bytes spans the whole character. Token limits (<c>MaxTokenCount</c>, <c>GetIndexByTokenCount</c>)
/// cut between pre-tokens, so the text up to the cut encodes to exactly the tokens counted.
/// </summary>
public sealed class HuggingFaceTokenizer : Ml.Tokenizer
{
    private readonly bool _allowSpecialTokens;

    /// <param name="engine">the tokenizer to expose</param>
    /// <param name="allowSpecialTokens">read special-token strings in the text as control tokens (Hugging Face's default); false for user text</param>
    public HuggingFaceTokenizer(ByteLevelBpeTokenizer engine, bool allowSpecialTokens = true)
    {
        Engine = engine;
        _allowSpecialTokens = allowSpecialTokens;
    }

    /// <summary>The engine behind this adapter.</summary>
    public ByteLevelBpeTokenizer Engine { get; }

    /// <summary>Loads <c>tokenizer.json</c> from a file or a model folder.</summary>
    public static HuggingFaceTokenizer Load(string path, bool allowSpecialTokens = true) => new(ByteLevelBpeTokenizer.Load(path), allowSpecialTokens);

    protected override Ml.EncodeResults<Ml.EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, Ml.EncodeSettings settings)
    {
        var (subject, pieces, take, consumed) = Encode(text, textSpan, settings, fromEnd: false);
        var tokens = new List<Ml.EncodedToken>();
        foreach (var (start, end, ids) in pieces.Take(take)) AddTokens(subject, start, end, ids, tokens);
        return new Ml.EncodeResults<Ml.EncodedToken> { Tokens = tokens, NormalizedText = NormalizedOrNull(subject, text, textSpan), CharsConsumed = consumed };
    }

    protected override Ml.EncodeResults<int> EncodeToIds(string? text, ReadOnlySpan<char> textSpan, Ml.EncodeSettings settings)
    {
        var (subject, pieces, take, consumed) = Encode(text, textSpan, settings, fromEnd: false);
        return new Ml.EncodeResults<int> { Tokens = pieces.Take(take).SelectMany(p => p.Ids).ToList(), NormalizedText = NormalizedOrNull(subject, text, textSpan), CharsConsumed = consumed };
    }

    protected override int CountTokens(string? text, ReadOnlySpan<char> textSpan, Ml.EncodeSettings settings)
    {
        var (_, pieces, take, _) = Encode(text, textSpan, settings, fromEnd: false);
        return pieces.Take(take).Sum(p => p.Ids.Length);
    }

    protected override int GetIndexByTokenCount(string? text, ReadOnlySpan<char> textSpan, Ml.EncodeSettings settings, bool fromEnd, out string? normalizedText, out int tokenCount)
    {
        var (subject, pieces, take, _) = Encode(text, textSpan, settings, fromEnd);
        normalizedText = NormalizedOrNull(subject, text, textSpan);
        var kept = fromEnd ? pieces.Skip(pieces.Count - take) : pieces.Take(take);
        tokenCount = kept.Sum(p => p.Ids.Length);
        if (take == 0) return fromEnd ? subject.Length : 0;
        return fromEnd ? pieces[pieces.Count - take].Start : pieces[take - 1].End;
    }

    public override string Decode(IEnumerable<int> ids) => Engine.Decode(ids);

    public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten)
    {
        var all = ids.ToList();
        string text = Engine.Decode(all);
        if (text.Length <= destination.Length)
        {
            text.CopyTo(destination);
            (idsConsumed, charsWritten) = (all.Count, text.Length);
            return OperationStatus.Done;
        }

        // The longest prefix of the ids whose text fits (decoded text grows with the ids).
        int lo = 0, hi = all.Count;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (Engine.Decode(all.Take(mid)).Length <= destination.Length) lo = mid;
            else hi = mid - 1;
        }

        string prefix = Engine.Decode(all.Take(lo));
        prefix.CopyTo(destination);
        (idsConsumed, charsWritten) = (lo, prefix.Length);
        return OperationStatus.DestinationTooSmall;
    }

    /// <summary>
    /// The pieces of the text and how many of them fit the token limit: whole pieces from the start (or, with
    /// <paramref name="fromEnd"/>, from the end), and the characters they cover.
    /// </summary>
    private (string Subject, List<(int Start, int End, int[] Ids)> Pieces, int Take, int Consumed) Encode(string? text, ReadOnlySpan<char> textSpan, Ml.EncodeSettings settings, bool fromEnd)
    {
        string source = text ?? textSpan.ToString();
        var pieces = new List<(int Start, int End, int[] Ids)>();
        string subject = Engine.EncodePieces(source, _allowSpecialTokens, settings.ConsiderNormalization, settings.ConsiderPreTokenization, pieces);
        int max = settings.MaxTokenCount <= 0 ? int.MaxValue : settings.MaxTokenCount;
        int take = 0, count = 0;
        for (int i = 0; i < pieces.Count; i++)
        {
            int length = pieces[fromEnd ? pieces.Count - 1 - i : i].Ids.Length;
            if (count + length > max) break;
            count += length;
            take++;
        }

        int consumed = take == 0 ? 0 : fromEnd ? subject.Length - pieces[pieces.Count - take].Start : pieces[take - 1].End;
        return (subject, pieces, take, consumed);
    }

    /// <summary>The piece's tokens with their character ranges: each token's bytes mapped back to the characters holding them.</summary>
    private void AddTokens(string subject, int start, int end, int[] ids, List<Ml.EncodedToken> tokens)
    {
        if (ids.Length == 1)
        {
            tokens.Add(new Ml.EncodedToken(ids[0], Engine.IdToToken(ids[0]), new Range(start, end)));
            return;
        }

        // charOfByte[b]: the index (in subject) of the character whose UTF-8 encoding holds byte b of the piece.
        var charOfByte = new List<int>();
        for (int i = start; i < end;)
        {
            int units = char.IsHighSurrogate(subject[i]) && i + 1 < end && char.IsLowSurrogate(subject[i + 1]) ? 2 : 1;
            int bytes = Encoding.UTF8.GetByteCount(subject.AsSpan(i, units));
            for (int b = 0; b < bytes; b++) charOfByte.Add(i);
            i += units;
        }

        int position = 0;
        foreach (int id in ids)
        {
            string token = Engine.IdToToken(id);
            int length = Engine.IsAdded(id) ? Encoding.UTF8.GetByteCount(token) : token.Length; // a byte-level token has one character per byte
            int first = charOfByte[Math.Min(position, charOfByte.Count - 1)];
            int lastChar = charOfByte[Math.Min(position + length - 1, charOfByte.Count - 1)];
            int last = lastChar + (char.IsHighSurrogate(subject[lastChar]) && lastChar + 1 < end ? 2 : 1);
            tokens.Add(new Ml.EncodedToken(id, token, new Range(first, last)));
            position += length;
        }
    }

    private static string? NormalizedOrNull(string subject, string? text, ReadOnlySpan<char> textSpan) =>
        text is not null ? (ReferenceEquals(subject, text) ? null : subject) : textSpan.SequenceEqual(subject) ? null : subject;
}
