using System.Text.Json;
using D2LLM.Encoders.Tests;
using D2LLM.Models;
using D2LLM.Models.Tests;
using D2LLM.Retrieval;

namespace D2LLM.Cli.Tests;

/// <summary>The commands on a BERT-family folder (a tiny random one), and import-onnx's errors.</summary>
public class EncoderCommandTests
{
    [Fact]
    public void Embed_OnAnEncoderFolder_GivesThePooledEncodersVector()
    {
        using var bert = new TinyBert(seed: 4);
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("in.jsonl"), "{\"text\": \"gradients flow back\"}\n");
        var result = Cli.Run("embed", "--model", bert.Path, "--input", dir.File("in.jsonl"));
        Assert.Equal(0, result.Code);
        var vector = JsonDocument.Parse(result.Stdout).RootElement.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        using var encoder = PooledEncoder.ForFolder(Backbones.Load(bert.Path));
        var expected = encoder.Embed(new[] { "gradients flow back" });
        Assert.Equal(expected.Length, vector.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], vector[i], 5);
    }

    [Fact]
    public void Embed_WhenTheModelOverflows_IsOneLineNamingTheText()
    {
        using var bert = new TinyBert(seed: 4, wordScale: 3e38);
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("in.jsonl"), "{\"text\": \"gradients flow back\"}\n");
        var result = Cli.Run("embed", "--model", bert.Path, "--input", dir.File("in.jsonl"));
        Assert.Equal(2, result.Code);
        Assert.Equal($"error: {dir.File("in.jsonl")}:1: the model's embedding of this text is not finite (the model overflowed)", Assert.Single(result.Stderr.Trim().Split('\n')));
    }

    [Fact]
    public void Tokenize_OnAnEncoderFolder_IsWordPiece()
    {
        using var bert = new TinyBert(seed: 4);
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("in.jsonl"), "{\"text\": \"Gradients flow.\"}\n");
        var result = Cli.Run("tokenize", "--model", bert.Path, "--input", dir.File("in.jsonl"));
        Assert.Equal((0, "{\"ids\":[5,6,15]}"), (result.Code, result.Stdout.Trim()));
    }

    [Fact]
    public void ImportOnnx_OfAFileThatIsNotOnnx_IsOneLineNamingIt()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("model.onnx"), "not a model at all"u8.ToArray());
        File.WriteAllText(dir.File("vocab.txt"), "[PAD]\n");
        var result = Cli.Run("import-onnx", "--onnx", dir.File("model.onnx"), "--vocab", dir.File("vocab.txt"), "--out", dir.File("out"));
        Assert.Equal(2, result.Code);
        var line = Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.StartsWith($"error: {dir.File("model.onnx")}: ", line);
    }
}
