using System.Buffers;
using System.Runtime.CompilerServices;

namespace D2LLM.Models.Tokenization;

/// <summary>An entry of tokenizer.json's <c>added_tokens</c>: matched whole in the input before BPE runs.</summary>
public sealed record AddedToken(int Id, string Content, bool Special, bool LeftStrip = false, bool RightStrip = false, bool SingleWord = false);

/// <summary>
/// Finds added tokens in raw text, leftmost-longest as Hugging Face's added vocabulary does, honouring
/// lstrip / rstrip (the token absorbs neighbouring whitespace) and single_word.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly Dictionary<char, AddedToken[]> _byFirstChar;

    // The characters an added token can start with: the scan jumps between them (vectorised) instead of looking up every character.
    private readonly SearchValues<char> _firstChars;

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        _byFirstChar = tokens.Where(t => t.Content.Length > 0)
            .GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ToArray());
        _firstChars = SearchValues.Create(_byFirstChar.Keys.ToArray());
    }

    /// <summary>Whether an added token could start anywhere in <paramref name="text"/> (false: the text is one plain segment).</summary>
    public bool MayOccurIn(string text) => text.AsSpan().ContainsAny(_firstChars);

    /// <summary>
    /// Splits text into plain segments and added tokens. Special tokens are only matched when
    /// <paramref name="allowSpecial"/>; otherwise their text stays plain and is encoded like any other text.
    /// </summary>
    public void Split(string text, bool allowSpecial, List<(int Start, int End, AddedToken? Token)> segments) =>
        Split(text, allowSpecial ? null : (_, _) => false, segments);

    /// <summary>
    /// As above, with special tokens allowed only where <paramref name="specialAllowed"/>(start, end) says so
    /// (null: everywhere) — a prompt recognises its own special tokens but none inside the user text it quotes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Split(string text, Func<int, int, bool>? specialAllowed, List<(int Start, int End, AddedToken? Token)> segments)
    {
        int plainStart = 0;
        int i = 0;
        while (i < text.Length)
        {
            int next = text.AsSpan(i).IndexOfAny(_firstChars);
            if (next < 0) break;
            i += next;
            var token = MatchAt(text, i, specialAllowed);
            if (token is null)
            {
                i++;
                continue;
            }

            int start = i, end = i + token.Content.Length;
            if (token.LeftStrip) while (start > plainStart && char.IsWhiteSpace(text[start - 1])) start--;
            if (token.RightStrip) while (end < text.Length && char.IsWhiteSpace(text[end])) end++;
            if (start > plainStart) segments.Add((plainStart, start, null));
            segments.Add((start, end, token));
            plainStart = i = end;
        }

        if (plainStart < text.Length) segments.Add((plainStart, text.Length, null));
    }

    private AddedToken? MatchAt(string text, int i, Func<int, int, bool>? specialAllowed)
    {
        if (!_byFirstChar.TryGetValue(text[i], out var candidates)) return null;
        foreach (var t in candidates)
        {
            if (t.Special && specialAllowed is not null && !specialAllowed(i, i + t.Content.Length)) continue;
            if (string.CompareOrdinal(text, i, t.Content, 0, t.Content.Length) != 0) continue;
            if (t.SingleWord && (IsWordChar(text, i - 1) || IsWordChar(text, i + t.Content.Length))) continue;
            return t;
        }

        return null;
    }

    private static bool IsWordChar(string text, int i) => i >= 0 && i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_');
}
