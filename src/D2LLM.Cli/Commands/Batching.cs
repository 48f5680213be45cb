using System.Text.Json.Nodes;
using D2LLM.Models.Qwen;
using D2LLM.Data;

namespace D2LLM.Cli.Commands;

/// <summary>Groups encoded input lines into forward passes of at most a token budget, keeping their order.</summary>
internal static class Batching
{
    public static IEnumerable<List<(int Line, int[] Ids)>> ByTokens(IEnumerable<(int Line, int[] Ids)> items, int maxTokens)
    {
        var batch = new List<(int Line, int[] Ids)>();
        int tokens = 0;
        foreach (var item in items)
        {
            if (batch.Count > 0 && tokens + item.Ids.Length > maxTokens)
            {
                yield return batch;
                batch = new List<(int Line, int[] Ids)>();
                tokens = 0;
            }

            batch.Add(item);
            tokens += item.Ids.Length;
        }

        if (batch.Count > 0) yield return batch;
    }

    /// <summary>
    /// The token ids of a text field (special-token strings read as control tokens unless <paramref name="allowSpecialTokens"/>
    /// is false), failing on an empty text or one beyond the model's positions.
    /// </summary>
    public static int[] Encode(QwenModel model, JsonLines lines, JsonObject json, int line, string field, bool allowSpecialTokens)
    {
        string text = lines.RequireString(json, line, field);
        if (text.Length == 0) throw new DataLineException(lines.Source, line, $"field \"{field}\" is empty");
        var ids = model.Encode(text, allowSpecialTokens);
        if (ids.Length > model.Config.MaxPositions)
            throw new DataLineException(lines.Source, line, $"field \"{field}\" has {ids.Length} tokens, more than the model's {model.Config.MaxPositions} positions");
        return ids;
    }
}
