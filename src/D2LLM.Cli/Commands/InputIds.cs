using System.Text.Json.Nodes;
using D2LLM.Models;
using D2LLM.Data;

namespace D2LLM.Cli.Commands;

/// <summary>Token ids of input lines, checked for what a forward pass cannot take.</summary>
internal static class InputIds
{
    /// <summary>
    /// The token ids of a text field (special-token strings read as control tokens unless <paramref name="allowSpecialTokens"/>
    /// is false), failing on an empty text or one beyond the model's positions.
    /// </summary>
    public static int[] Encode(IBackbone model, JsonLines lines, JsonObject json, int line, string field, bool allowSpecialTokens)
    {
        string text = lines.RequireString(json, line, field);
        if (text.Length == 0) throw new DataLineException(lines.Source, line, $"field \"{field}\" is empty");
        var ids = model.Encode(text, allowSpecialTokens);
        if (ids.Length > model.MaxPositions)
            throw new DataLineException(lines.Source, line, $"field \"{field}\" has {ids.Length} tokens, more than the model's {model.MaxPositions} positions");
        return ids;
    }
}
