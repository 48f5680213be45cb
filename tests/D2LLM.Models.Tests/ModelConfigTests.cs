using System.Text.Json;

namespace D2LLM.Models.Tests;

public class ModelConfigTests
{
    [Fact]
    public void Qwen2_DerivesHeadDim_AndAlwaysHasQkvBias()
    {
        var c = Parse("""{"architectures":["Qwen2ForCausalLM"],"hidden_size":896,"intermediate_size":4864,"num_hidden_layers":24,"num_attention_heads":14,"num_key_value_heads":2,"vocab_size":151936,"rope_theta":1000000.0,"tie_word_embeddings":true,"eos_token_id":151645}""");
        Assert.Equal(Architecture.Qwen2, c.Architecture);
        Assert.Equal(64, c.HeadDim);
        Assert.True(c.QkvBias);
        Assert.False(c.OutputBias);
        Assert.True(c.TieWordEmbeddings);
        Assert.Equal(1e6, c.RopeTheta);
        Assert.Equal(new[] { 151645 }, c.EosTokenIds);
    }

    [Fact]
    public void Qwen3_UsesExplicitHeadDim_AndDefaults()
    {
        var c = Parse("""{"architectures":["Qwen3ForCausalLM"],"hidden_size":16,"intermediate_size":40,"num_hidden_layers":2,"num_attention_heads":2,"num_key_value_heads":1,"head_dim":12,"vocab_size":100,"eos_token_id":[1,2]}""");
        Assert.Equal(12, c.HeadDim);
        Assert.False(c.QkvBias);
        Assert.False(c.TieWordEmbeddings);
        Assert.Equal(10000, c.RopeTheta);
        Assert.Equal(new[] { 1, 2 }, c.EosTokenIds);
        Assert.Equal(128, Parse("""{"architectures":["Qwen3ForCausalLM"],"hidden_size":16,"intermediate_size":40,"num_hidden_layers":2,"num_attention_heads":2,"vocab_size":100}""").HeadDim);
    }

    [Theory]
    [InlineData("""{"architectures":["LlamaForCausalLM"]}""", "architecture 'LlamaForCausalLM' is not supported")]
    [InlineData("""{"architectures":["Qwen2ForCausalLM"],"hidden_size":8}""", "missing field 'num_attention_heads'")]
    [InlineData("""{"architectures":["Qwen2ForCausalLM"],"hidden_size":"x"}""", "field 'hidden_size' should be an integer")]
    [InlineData("""{"architectures":["Qwen2ForCausalLM"],"hidden_size":8,"intermediate_size":8,"num_hidden_layers":1,"num_attention_heads":3,"num_key_value_heads":2,"vocab_size":9}""", "must be a positive multiple")]
    [InlineData("""{"architectures":["Qwen2ForCausalLM"],"hidden_size":8,"intermediate_size":8,"num_hidden_layers":1,"num_attention_heads":2,"vocab_size":9,"rope_scaling":{"rope_type":"yarn","factor":4}}""", "rope_scaling type 'yarn' is not supported")]
    public void BadConfigs_FailNamingTheField(string json, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => Parse(json));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("test/config.json", e.Message);
    }

    private static ModelConfig Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return ModelConfig.Parse(doc.RootElement, "test/config.json");
    }
}
