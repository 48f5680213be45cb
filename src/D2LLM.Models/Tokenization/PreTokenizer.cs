using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace D2LLM.Models.Tokenization;

/// <summary>
/// The <c>pre_tokenizer</c> of tokenizer.json: splits normalised text into pieces that BPE encodes separately.
/// Supports Split (regex or string pattern, every delimiter behaviour, invert), ByteLevel (with or without
/// GPT-2's regex, prefix space) and Sequence — the shapes byte-level BPE files of the Qwen/GPT families use.
/// </summary>
internal abstract class PreTokenizer
{
    /// <summary>GPT-2's pattern, used by ByteLevel when use_regex is true.</summary>
    private const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public abstract void Split(string text, List<string> pieces);

    public static PreTokenizer Parse(JsonElement e, string source)
    {
        if (e.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) return new Whole();
        string type = e.GetProperty("type").GetString() ?? "";
        switch (type)
        {
            case "Sequence":
            {
                // Steps that change nothing (ByteLevel without prefix or regex: bytes are mapped later) are dropped.
                var steps = e.GetProperty("pretokenizers").EnumerateArray().Select(p => Parse(p, source)).Where(p => p is not Whole).ToArray();
                return steps.Length switch { 0 => new Whole(), 1 => steps[0], _ => new Sequence(steps) };
            }
            case "Split":
            {
                var pattern = e.GetProperty("pattern");
                string regex = pattern.TryGetProperty("Regex", out var r) ? r.GetString()!
                    : Regex.Escape(pattern.GetProperty("String").GetString()!);
                var behavior = ParseBehavior(e.GetProperty("behavior").GetString(), source);
                bool invert = e.TryGetProperty("invert", out var inv) && inv.GetBoolean();
                return regex == QwenPatternSplit.Pattern && behavior == Behavior.Isolated && !invert
                    ? new QwenPatternSplit()
                    : new RegexSplit(regex, behavior, invert, source);
            }

            case "ByteLevel":
            {
                bool prefix = e.TryGetProperty("add_prefix_space", out var p) && p.GetBoolean();
                bool useRegex = !e.TryGetProperty("use_regex", out var u) || u.GetBoolean();
                return !prefix && !useRegex ? new Whole() : new ByteLevelSplit(prefix, useRegex ? new RegexSplit(Gpt2Pattern, Behavior.Isolated, false, source) : null);
            }

            default:
                throw new InvalidDataException($"{source}: pre_tokenizer type '{type}' is not supported (Split, ByteLevel, Sequence)");
        }
    }

    internal enum Behavior
    {
        Removed,
        Isolated,
        MergedWithPrevious,
        MergedWithNext,
        Contiguous,
    }

    private static Behavior ParseBehavior(string? name, string source) => name switch
    {
        "Removed" => Behavior.Removed,
        "Isolated" => Behavior.Isolated,
        "MergedWithPrevious" => Behavior.MergedWithPrevious,
        "MergedWithNext" => Behavior.MergedWithNext,
        "Contiguous" => Behavior.Contiguous,
        _ => throw new InvalidDataException($"{source}: Split behavior '{name}' is not supported"),
    };

    private sealed class Whole : PreTokenizer
    {
        public override void Split(string text, List<string> pieces) => pieces.Add(text);
    }

    private sealed class Sequence(PreTokenizer[] steps) : PreTokenizer
    {
        public override void Split(string text, List<string> pieces)
        {
            var current = new List<string> { text };
            var next = new List<string>();
            foreach (var step in steps)
            {
                next.Clear();
                foreach (var piece in current) step.Split(piece, next);
                (current, next) = (next, current);
            }

            pieces.AddRange(current);
        }
    }

    /// <summary>ByteLevel as a pre-tokenizer: optional prefix space and optional GPT-2 split; bytes are mapped later.</summary>
    private sealed class ByteLevelSplit(bool addPrefixSpace, RegexSplit? split) : PreTokenizer
    {
        public override void Split(string text, List<string> pieces)
        {
            if (addPrefixSpace && !text.StartsWith(' ')) text = " " + text;
            if (split is null) pieces.Add(text);
            else split.Split(text, pieces);
        }
    }

    /// <summary>
    /// A regex split with the Rust <c>tokenizers</c> semantics on code points. .NET matches UTF-16 units, so a
    /// supplementary character (𠮷, 𝐀, emoji) would be seen as two surrogates and miss \p{L}; each is replaced,
    /// for matching only, by a BMP stand-in of the same Unicode category, and match bounds map back.
    /// </summary>
    internal sealed class RegexSplit : PreTokenizer
    {
        private readonly Regex _regex;
        private readonly Behavior _behavior;
        private readonly bool _invert;
        private readonly char[] _standIns;

        public RegexSplit(string pattern, Behavior behavior, bool invert, string source)
        {
            try
            {
                _regex = new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{source}: Split regex cannot be compiled ({e.Message})");
            }

            _behavior = behavior;
            _invert = invert;
            _standIns = StandIns(pattern);
        }

        public override void Split(string text, List<string> pieces)
        {
            if (text.Length == 0) return;
            var (subject, toOriginal) = Transform(text);
            var runs = new List<(int Start, int End, bool IsMatch)>();
            int last = 0;
            for (var m = _regex.Match(subject); m.Success; m = m.NextMatch())
            {
                if (m.Length == 0) continue;
                int start = toOriginal?[m.Index] ?? m.Index, end = toOriginal?[m.Index + m.Length] ?? m.Index + m.Length;
                if (start > last) runs.Add((last, start, _invert));
                runs.Add((start, end, !_invert));
                last = end;
            }

            if (last < text.Length) runs.Add((last, text.Length, _invert));
            Emit(text, runs, pieces);
        }

        /// <summary>Turns (gap | match) runs into pieces per the delimiter behaviour; a match merges only with a gap.</summary>
        private void Emit(string text, List<(int Start, int End, bool IsMatch)> runs, List<string> pieces)
        {
            int pendingStart = -1;
            for (int i = 0; i < runs.Count; i++)
            {
                var (start, end, isMatch) = runs[i];
                bool previousIsMatch = i > 0 && runs[i - 1].IsMatch;
                switch (_behavior)
                {
                    case Behavior.Isolated:
                        pieces.Add(text[start..end]);
                        break;
                    case Behavior.Removed:
                        if (!isMatch) pieces.Add(text[start..end]);
                        break;
                    case Behavior.MergedWithPrevious:
                        if (isMatch && i > 0 && !previousIsMatch) pieces[^1] += text[start..end];
                        else pieces.Add(text[start..end]);
                        break;
                    case Behavior.MergedWithNext:
                        if (isMatch)
                        {
                            if (pendingStart >= 0) pieces.Add(text[pendingStart..start]);
                            pendingStart = start;
                        }
                        else
                        {
                            pieces.Add(text[(pendingStart < 0 ? start : pendingStart)..end]);
                            pendingStart = -1;
                        }

                        break;
                    case Behavior.Contiguous:
                        if (isMatch && previousIsMatch) pieces[^1] += text[start..end];
                        else pieces.Add(text[start..end]);
                        break;
                }
            }

            if (pendingStart >= 0) pieces.Add(text[pendingStart..]);
        }

        /// <summary>The text with each surrogate pair replaced by one stand-in, and the map back (null when none).</summary>
        private (string Subject, int[]? ToOriginal) Transform(string text)
        {
            if (!text.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF')) return (text, null);
            var chars = new char[text.Length];
            var map = new int[text.Length + 1];
            int n = 0;
            for (int i = 0; i < text.Length; i++)
            {
                map[n] = i;
                if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    chars[n++] = _standIns[(int)CharUnicodeInfo.GetUnicodeCategory(text, i)];
                    i++;
                }
                else
                {
                    chars[n++] = text[i];
                }
            }

            map[n] = text.Length;
            return (new string(chars, 0, n), map);
        }

        /// <summary>For each Unicode category, a BMP character of that category that the pattern does not name.</summary>
        private static char[] StandIns(string pattern)
        {
            var result = new char[32];
            var found = new bool[32];
            for (int c = 0x2C00; c != 0x2BFF; c = c == 0xFFFF ? 0xA0 : c + 1)
            {
                if (c is >= 0xD800 and <= 0xDFFF || pattern.Contains((char)c)) continue;
                int category = (int)CharUnicodeInfo.GetUnicodeCategory((char)c);
                if (found[category]) continue;
                found[category] = true;
                result[category] = (char)c;
            }

            return result;
        }
    }
}
