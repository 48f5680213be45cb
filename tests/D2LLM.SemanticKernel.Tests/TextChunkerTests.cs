using D2LLM.Models.Tests;
using D2LLM.Models.Tokenization;
using Microsoft.SemanticKernel.Text;

namespace D2LLM.SemanticKernel.Tests;

public class TextChunkerTests
{
    /// <summary>Semantic Kernel's chunker, counting with the model's own tokens through the Microsoft.ML.Tokenizers adapter.</summary>
    [Fact]
    public void SemanticKernelsTextChunker_CutsToTheModelsTokenBudget_WithTheAdapter()
    {
        Microsoft.ML.Tokenizers.Tokenizer tokenizer = HuggingFaceTokenizer.Load(Fixtures.Path("tokenizer"));
        var lines = Enumerable.Range(0, 60).Select(i => $"Sentence {i} says something about estrogen receptors and 乳腺癌 number {i * 7}.").ToList();
#pragma warning disable SKEXP0050 // TextChunker is marked experimental
        var chunks = TextChunker.SplitPlainTextParagraphs(lines, maxTokensPerParagraph: 64, tokenCounter: text => tokenizer.CountTokens(text));
#pragma warning restore SKEXP0050
        Assert.True(chunks.Count >= 10, $"{chunks.Count} chunks");
        Assert.All(chunks, chunk => Assert.InRange(tokenizer.CountTokens(chunk), 1, 64));
        Assert.Equal(lines.Count, chunks.Sum(c => c.Split('\n').Length));
    }
}
