using System.Text.Json;

namespace D2LLM.Models;

/// <summary>
/// How a sentence-transformers folder says its model embeds: the pooling of modules.json's Pooling module
/// (1_Pooling/config.json: CLS or mean), the window (sentence_bert_config.json's max_seq_length) and the prompt queries
/// take (config_sentence_transformers.json's prompts.query). Each is null where the folder does not say.
/// </summary>
public sealed record SentenceTransformersSettings(PoolingMode? Pooling, int? MaxTokens, string? QueryPrompt)
{
    public static SentenceTransformersSettings Load(string directory)
    {
        PoolingMode? pooling = null;
        string poolingConfig = Path.Combine(directory, PoolingPath(directory), "config.json");
        if (File.Exists(poolingConfig))
        {
            using var doc = JsonFile.Parse(poolingConfig);
            pooling = Flag(doc, "pooling_mode_cls_token") ? PoolingMode.First : Flag(doc, "pooling_mode_mean_tokens") ? PoolingMode.Mean
                : Flag(doc, "pooling_mode_lasttoken") ? PoolingMode.Last
                : throw new InvalidDataException($"{poolingConfig}: a pooling mode other than cls, mean or last token is not supported");
        }

        int? maxTokens = null;
        string bertConfig = Path.Combine(directory, "sentence_bert_config.json");
        if (File.Exists(bertConfig))
        {
            using var doc = JsonFile.Parse(bertConfig);
            if (doc.RootElement.TryGetProperty("max_seq_length", out var m) && m.TryGetInt32(out int n) && n > 0) maxTokens = n;
        }

        string? queryPrompt = null;
        string prompts = Path.Combine(directory, "config_sentence_transformers.json");
        if (File.Exists(prompts))
        {
            using var doc = JsonFile.Parse(prompts);
            if (doc.RootElement.TryGetProperty("prompts", out var p) && p.ValueKind == JsonValueKind.Object && p.TryGetProperty("query", out var q)
                && q.ValueKind == JsonValueKind.String && q.GetString() is { Length: > 0 } text)
                queryPrompt = text;
        }

        return new SentenceTransformersSettings(pooling, maxTokens, queryPrompt);
    }

    /// <summary>The Pooling module's folder as modules.json names it (1_Pooling when it does not).</summary>
    private static string PoolingPath(string directory)
    {
        string modules = Path.Combine(directory, "modules.json");
        if (!File.Exists(modules)) return "1_Pooling";
        using var doc = JsonFile.Parse(modules);
        return doc.RootElement.ValueKind == JsonValueKind.Array
            ? doc.RootElement.EnumerateArray().Where(m => m.TryGetProperty("type", out var t) && t.GetString()?.EndsWith(".Pooling", StringComparison.Ordinal) == true)
                .Select(m => m.TryGetProperty("path", out var p) ? p.GetString() : null).FirstOrDefault() ?? "1_Pooling"
            : "1_Pooling";
    }

    private static bool Flag(JsonDocument doc, string name) => doc.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

}
