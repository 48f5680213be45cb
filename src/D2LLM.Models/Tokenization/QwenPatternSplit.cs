using System.Globalization;
using System.Runtime.CompilerServices;

namespace D2LLM.Models.Tokenization;

/// <summary>
/// The Qwen2/2.5/3 pre-tokenizer split (<see cref="Pattern"/>, behaviour Isolated) as a hand-written scanner over
/// code points: the same pieces as the regex, several times faster (the regex was most of a cold encode). At each
/// position the first alternative that matches wins, as in the regex:
///   1. an apostrophe contraction ('s 't 're 've 'm 'll 'd, any case);
///   2. one optional character that is not CR, LF, a letter or a number, then a run of letters;
///   3. one number;
///   4. an optional space, a run of characters that are not whitespace, letters or numbers, then any CR/LF;
///   5. whitespace up to and including the last CR/LF of the whitespace run;
///   6. a whitespace run at the end of the text, or all of it but its last character when a non-space follows;
///   7. a whitespace run.
/// A test compares it with the regex on random strings over every character class involved.
/// </summary>
internal sealed class QwenPatternSplit : PreTokenizer
{
    public const string Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private enum Kind : byte
    {
        Letter,
        Number,
        LineBreak,
        Space,
        Other,
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Split(string text, List<string> pieces)
    {
        int p = 0;
        while (p < text.Length)
        {
            int end = Match(text, p);
            pieces.Add(text[p..end]);
            p = end;
        }
    }

    /// <summary>The end of the match that starts at <paramref name="p"/> (every position matches some alternative).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Match(string s, int p)
    {
        var (k0, n0) = At(s, p);
        if (s[p] == '\'' && Contraction(s, p + 1) is > 0 and var length) return p + 1 + length;

        // 2. [^\r\n\p{L}\p{N}]?\p{L}+
        if (k0 == Kind.Letter) return LetterRun(s, p + n0);
        if (k0 is Kind.Space or Kind.Other && p + n0 < s.Length && At(s, p + n0).Kind == Kind.Letter) return LetterRun(s, p + n0);

        // 3. \p{N}
        if (k0 == Kind.Number) return p + n0;

        // 4.  ?[^\s\p{L}\p{N}]+[\r\n]*
        int q = s[p] == ' ' && p + 1 < s.Length && At(s, p + 1).Kind == Kind.Other ? p + 1 : p;
        if (At(s, q).Kind == Kind.Other)
        {
            while (q < s.Length && At(s, q) is (Kind.Other, var n)) q += n;
            while (q < s.Length && s[q] is '\r' or '\n') q++;
            return q;
        }

        // 5-7: a whitespace run [p, runEnd).
        int runEnd = p, lastBreak = -1;
        while (runEnd < s.Length && At(s, runEnd) is (Kind.Space or Kind.LineBreak, var n))
        {
            if (s[runEnd] is '\r' or '\n') lastBreak = runEnd;
            runEnd += n;
        }

        if (lastBreak >= 0) return lastBreak + 1;
        if (runEnd == s.Length) return runEnd;
        return runEnd - 1 > p ? runEnd - 1 : runEnd; // whitespace is all in the BMP: one unit back is one character back
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int LetterRun(string s, int q)
    {
        while (q < s.Length && At(s, q) is (Kind.Letter, var n)) q += n;
        return q;
    }

    /// <summary>Length of the contraction after an apostrophe at <paramref name="q"/> − 1, or 0.</summary>
    private static int Contraction(string s, int q)
    {
        if (q >= s.Length) return 0;
        char a = Lower(s[q]);
        if (a is 's' or 't' or 'm' or 'd') return 1;
        if (q + 1 >= s.Length) return 0;
        char b = Lower(s[q + 1]);
        return (a, b) is ('r', 'e') or ('v', 'e') or ('l', 'l') ? 2 : 0;
    }

    // The regex's case-insensitive match of these letters: either ASCII case (.NET's invariant (?i) does not fold ſ into s).
    private static char Lower(char c) => c is >= 'A' and <= 'Z' ? (char)(c + 32) : c;

    /// <summary>The class of the code point at <paramref name="i"/> and its length in UTF-16 units (a lone surrogate is Other).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (Kind Kind, int Length) At(string s, int i)
    {
        char c = s[i];
        if (c < 0x80)
        {
            Kind ascii = c is '\r' or '\n' ? Kind.LineBreak
                : char.IsAsciiLetter(c) ? Kind.Letter
                : char.IsAsciiDigit(c) ? Kind.Number
                : c is ' ' or '\t' or '\v' or '\f' ? Kind.Space
                : Kind.Other;
            return (ascii, 1);
        }

        int length = char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) ? 2 : 1;
        var category = length == 2 ? CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(c, s[i + 1])) : CharUnicodeInfo.GetUnicodeCategory(c);
        Kind kind = category switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Kind.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Kind.Number,
            _ when c == '\u0085' || category is UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => Kind.Space,
            _ => Kind.Other,
        };
        return (kind, length);
    }
}
