using D2LLM.Models.Tokenization;

namespace D2LLM.Encoders.Tests;

/// <summary>
/// WordPiece as the Hugging Face fast tokenizer runs it, on a small vocabulary: each expected sequence follows from its
/// rules (clean, CJK spacing, accent stripping and lower-casing, whitespace and punctuation split, greedy ## matching).
/// </summary>
public sealed class WordPieceTests : IDisposable
{
    private static readonly string[] Vocab =
        ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "cd", "##4", "+", "t", "cells", "p", "<", "0", ".", "05", "=", "naive", "cafe", "α", "-", "syn", "##uc",
         "##lein", "'", "don", "stop", "中", "文", "$", "5", "×", "##2", "un", "##aff", "##able", "[", "]"];

    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"d2llm-wordpiece-{Guid.NewGuid():N}");
    private readonly WordPieceTokenizer _tokenizer;

    public WordPieceTests()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllLines(Path.Combine(_dir, "vocab.txt"), Vocab);
        _tokenizer = WordPieceTokenizer.Load(_dir);
    }

    [Theory]
    [InlineData("CD4+ T cells p<0.05", "cd ##4 + t cells p < 0 . 05")] // ASCII symbols are punctuation: each a token
    [InlineData("Naïve CAFÉ α-synuclein", "naive cafe α - syn ##uc ##lein")] // accents stripped, lower-cased; '-' splits
    [InlineData("don't\tstop\u200b", "don ' t stop")] // tab is whitespace, U+200B (format) is dropped
    [InlineData("中文", "中 文")] // CJK ideographs stand alone
    [InlineData("$5 ×2", "$ 5 × ##2")] // '×' is a symbol, not punctuation: it stays in its word
    [InlineData("unaffable", "un ##aff ##able")] // greedy longest match from the left
    [InlineData("unaffablex cells", "[UNK] cells")] // a word with an unmatched rest is one [UNK]
    public void Encode_FollowsTheHuggingFaceRules(string text, string expected) =>
        Assert.Equal(expected, string.Join(" ", _tokenizer.Encode(text, allowSpecialTokens: false).Select(id => Vocab[id])));

    [Fact]
    public void SpecialTokenStrings_AreTokensOnlyWhenAllowed()
    {
        Assert.Equal(new[] { 25, 3, 9 }, _tokenizer.Encode("stop[SEP]cells", allowSpecialTokens: true));
        Assert.Equal(["stop", "[", "[UNK]", "]", "cells"], _tokenizer.Encode("stop [SEP] cells", allowSpecialTokens: false).Select(id => Vocab[id]));
    }

    [Fact]
    public void AWordOver100Characters_IsUnknown() =>
        Assert.Equal(new[] { 1 }, _tokenizer.Encode(string.Concat(Enumerable.Repeat("un", 51)), allowSpecialTokens: false));

    [Fact]
    public void ACasedVocabulary_KeepsCaseAndAccents()
    {
        File.WriteAllText(Path.Combine(_dir, "tokenizer_config.json"), "{\"do_lower_case\": false}");
        File.AppendAllLines(Path.Combine(_dir, "vocab.txt"), ["Café"]);
        var cased = WordPieceTokenizer.Load(_dir);
        Assert.Equal(new[] { Vocab.Length, 17, 1 }, cased.Encode("Café cafe CAFE", allowSpecialTokens: false)); // "CAFE" is not in a cased vocabulary
    }

    [Fact]
    public void ADamagedTokenizerConfig_IsAnErrorNamingIt()
    {
        string config = Path.Combine(_dir, "tokenizer_config.json");
        File.WriteAllText(config, "{\"do_lower_case\": ");
        var error = Assert.Throws<InvalidDataException>(() => WordPieceTokenizer.Load(_dir));
        Assert.StartsWith($"{config}: not valid JSON", error.Message);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
