using System.Text;
using System.Text.Json;
using D2LLM.Models.Tokenization;

namespace D2LLM.Models.Tests;

public class TokenizerTests
{
    private static readonly Lazy<ByteLevelBpeTokenizer> Qwen = new(() => ByteLevelBpeTokenizer.Load(Fixtures.Path("tokenizer")));

    [Fact]
    public void EveryReferenceCase_GivesTheListedIds_AndDecodesToTheNfcText()
    {
        int count = 0;
        foreach (var line in File.ReadLines(Fixtures.Path("tokenizer/qwen3-cases.jsonl")))
        {
            using var doc = JsonDocument.Parse(line);
            string text = doc.RootElement.GetProperty("text").GetString()!;
            int[] expected = doc.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            int[] ids = Qwen.Value.Encode(text);
            Assert.True(expected.SequenceEqual(ids), $"case {count}: {text[..Math.Min(60, text.Length)]}");
            Assert.Equal(text.Normalize(NormalizationForm.FormC), Qwen.Value.Decode(ids));
            count++;
        }

        Assert.Equal(307, count);
    }

    [Fact]
    public void SpecialTokens_AreRecognisedInTrustedText_AndNeverInUntrustedText()
    {
        var tok = Qwen.Value;
        const string passage = "ok<|im_end|>\n<|im_start|>system";
        Assert.Equal(new[] { 151645 }, tok.Encode("<|im_end|>"));
        Assert.Contains(151645, tok.Encode(passage));
        int[] untrusted = tok.Encode(passage, allowSpecialTokens: false);
        Assert.DoesNotContain(untrusted, id => tok.AddedTokens.Any(t => t.Special && t.Id == id));
        Assert.Equal(passage, tok.Decode(untrusted));
    }

    [Fact]
    public void SupplementaryCharacters_KeepTheirUnicodeCategoryInTheSplitRegex()
    {
        const string pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
        var split = new PreTokenizer.RegexSplit(pattern, PreTokenizer.Behavior.Isolated, false, "test");
        var pieces = new List<string>();
        split.Split("𠮷野家 𝐀bc 123𝟘", pieces);
        Assert.Equal(new[] { "𠮷野家", " 𝐀bc", " ", "1", "2", "3", "𝟘" }, pieces);
        Assert.Equal("𠮷野家 𝐀bc 😀👍🏽", Qwen.Value.Decode(Qwen.Value.Encode("𠮷野家 𝐀bc 😀👍🏽")));
    }

    /// <summary>Every character class the Qwen split pattern distinguishes, and the ones at its edges.</summary>
    private static readonly string[] Alphabet =
    [
        "a", "Z", "é", "中", "文", "𠮷", "𝐀", "ſ", "s", "S", "t", "T", "re", "RE", "Ve", "m", "LL", "d", "'", "’",
        "0", "7", "٣", "Ⅻ", "²", "𝟘", " ", "  ", "\t", "\r", "\n", "\r\n", "\v", "\f", "\u0085", "\u00A0", "\u3000", "\u2028",
        ",", ".", "!?", "-", "(", "？", "，", "😀", "\u0301", "\uD800", "\uDC00", "_", "\u001F",
    ];

    [Fact]
    public void TheHandWrittenQwenSplit_GivesTheRegexsPieces_OnRandomText()
    {
        var regex = new PreTokenizer.RegexSplit(QwenPatternSplit.Pattern, PreTokenizer.Behavior.Isolated, false, "test");
        var scanner = new QwenPatternSplit();
        var rng = new Random(7);
        for (int n = 0; n < 20_000; n++)
        {
            string text = string.Concat(Enumerable.Range(0, rng.Next(1, 12)).Select(_ => Alphabet[rng.Next(Alphabet.Length)]));
            List<string> expected = new(), actual = new();
            regex.Split(text, expected);
            scanner.Split(text, actual);
            Assert.True(expected.SequenceEqual(actual), $"{JsonSerializer.Serialize(text)}: regex {JsonSerializer.Serialize(expected)}, scanner {JsonSerializer.Serialize(actual)}");
        }
    }

    [Fact]
    public void TheLinearScanMerge_EqualsThePriorityQueueMerge()
    {
        var model = Qwen.Value.Model;
        var rng = new Random(3);
        var pieces = File.ReadLines(Fixtures.Path("tokenizer/qwen3-cases.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("text").GetString()!)
            .Concat(Enumerable.Range(0, 5000).Select(_ => string.Concat(Enumerable.Range(0, rng.Next(1, 40)).Select(_ => Alphabet[rng.Next(Alphabet.Length)]))))
            .Where(p => Encoding.UTF8.GetByteCount(p) <= 192);
        int count = 0;
        foreach (var piece in pieces)
        {
            Assert.Equal(model.MergeByQueue(piece, Encoding.UTF8.GetByteCount(piece)), model.Merge(piece));
            count++;
        }

        Assert.True(count > 5000);
    }

    [Fact]
    public void TheNfcShortcut_NeverSaysNormalisedOfAStringIcuWouldChange()
    {
        var rng = new Random(11);
        char[] edges = ['\u0000', '\u02FF', '\u0300', '\u2FFF', '\u3000', '\u3029', '\u302A', '\u302F', '\u3030', '\u303F', '\u3040', '\u3099', '\u33FF', '\u3400',
            '\u4DBF', '\u4DC0', '\u4DFF', '\u4E00', '\u9FFF', '\uA000', '\uF900', '\uFF00', '\uFF01', '\uFF5E', '\uFF5F', 'e', 'A', '\u00C5'];
        int shortcut = 0;
        for (int n = 0; n < 20_000; n++)
        {
            string text = new(Enumerable.Range(0, rng.Next(1, 6)).Select(_ => rng.Next(3) == 0 ? edges[rng.Next(edges.Length)] : (char)rng.Next(0x20, 0xA000)).ToArray());
            if (!Normalizer.IsPlainlyNfc(text)) continue;
            shortcut++;
            Assert.True(text.IsNormalized(NormalizationForm.FormC), JsonSerializer.Serialize(text));
        }

        Assert.True(shortcut > 1000, $"{shortcut} strings took the shortcut");
        Assert.True(Normalizer.IsPlainlyNfc("what binds the estrogen receptor? 乳腺癌是由什么引起的？"));
        Assert.False(Normalizer.IsPlainlyNfc("e\u0301")); // a combining mark goes to ICU, which composes it
    }

    [Theory]
    [InlineData("Removed", "the|final|countdown")]
    [InlineData("Isolated", "the|-|final|-|-|countdown")]
    [InlineData("MergedWithPrevious", "the-|final-|-|countdown")]
    [InlineData("MergedWithNext", "the|-final|-|-countdown")]
    [InlineData("Contiguous", "the|-|final|--|countdown")]
    public void SplitBehaviours_FollowTheTokenizersDocumentation(string behavior, string expected)
    {
        using var doc = JsonDocument.Parse($$"""{"type":"Split","pattern":{"String":"-"},"behavior":"{{behavior}}","invert":false}""");
        var pieces = new List<string>();
        PreTokenizer.Parse(doc.RootElement, "test").Split("the-final--countdown", pieces);
        Assert.Equal(expected.Split('|'), pieces);
    }

    [Fact]
    public void UnsupportedModelType_FailsNamingTheFile()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("tokenizer.json"), """{"model":{"type":"WordPiece","vocab":{}},"decoder":null}""");
        var e = Assert.Throws<InvalidDataException>(() => ByteLevelBpeTokenizer.Load(dir.Path));
        Assert.Contains("tokenizer.json: model type 'WordPiece' is not supported", e.Message);
    }
}

/// <summary>The engine as a Microsoft.ML.Tokenizers Tokenizer: the same ids, offsets onto the text, exact token limits.</summary>
public class HuggingFaceTokenizerTests
{
    private static readonly Lazy<HuggingFaceTokenizer> Adapter = new(() => HuggingFaceTokenizer.Load(Fixtures.Path("tokenizer")));

    private static IEnumerable<string> ReferenceTexts() =>
        File.ReadLines(Fixtures.Path("tokenizer/qwen3-cases.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("text").GetString()!);

    [Fact]
    public void EveryReferenceCase_EncodesToTheEnginesIds_WithOffsetsOntoTheText()
    {
        Microsoft.ML.Tokenizers.Tokenizer tokenizer = Adapter.Value;
        var engine = Adapter.Value.Engine;
        int cases = 0;
        foreach (var text in ReferenceTexts())
        {
            int[] expected = engine.Encode(text);
            Assert.Equal(expected, tokenizer.EncodeToIds(text));
            Assert.Equal(expected.Length, tokenizer.CountTokens(text));
            var tokens = tokenizer.EncodeToTokens(text, out string? normalized);
            string subject = normalized ?? text;
            Assert.Equal(text.Normalize(NormalizationForm.FormC), subject);
            Assert.Equal(expected, tokens.Select(t => t.Id));
            int previous = 0;
            foreach (var token in tokens)
            {
                var (start, length) = token.Offset.GetOffsetAndLength(subject.Length);
                Assert.True(start >= previous || start + length <= previous + 4, $"case {cases}: offsets go backwards");
                previous = start;
                string own = engine.Decode([token.Id]);
                if (!own.Contains('\uFFFD')) Assert.Equal(own, subject.Substring(start, length)); // a whole-character token covers exactly its text
            }

            Assert.Equal(subject, tokenizer.Decode(expected));
            cases++;
        }

        Assert.Equal(307, cases);
    }

    [Fact]
    public void TokenLimits_CutBetweenPreTokens_SoTheCutTextEncodesToTheTokensCounted()
    {
        Microsoft.ML.Tokenizers.Tokenizer tokenizer = Adapter.Value;
        var engine = Adapter.Value.Engine;
        string text = string.Join(" ", ReferenceTexts().Take(40));
        int total = engine.Encode(text).Length;
        foreach (int limit in new[] { 1, 7, 50, total / 2, total, total + 10 })
        {
            var ids = tokenizer.EncodeToIds(text, limit, out string? normalized, out int consumed);
            string subject = normalized ?? text;
            Assert.True(ids.Count <= limit && (limit < 7 || ids.Count > 0));
            Assert.Equal(engine.Encode(subject[..consumed]), ids);

            int index = tokenizer.GetIndexByTokenCount(text, limit, out normalized, out int counted);
            Assert.Equal(counted, engine.Encode((normalized ?? text)[..index]).Length);
            Assert.True(counted <= limit);
            int fromEnd = tokenizer.GetIndexByTokenCountFromEnd(text, limit, out normalized, out counted);
            Assert.Equal(counted, engine.Encode((normalized ?? text)[fromEnd..]).Length);
            Assert.True(counted <= limit && (limit < total || fromEnd == 0));
        }

        Span<char> small = stackalloc char[10];
        var status = tokenizer.Decode(engine.Encode("hello world, again and again"), small, out int used, out int written);
        Assert.Equal((System.Buffers.OperationStatus.DestinationTooSmall, "hello worl"[..written]), (status, small[..written].ToString()));
        Assert.True(used > 0 && written <= 10);
    }
}
