using System.Text.Json;

namespace D2LLM.Models.Generation;

/// <summary>A tool call an assistant turn made: the function's name and its arguments as a JSON object.</summary>
public sealed record ChatToolCall(string Name, JsonElement Arguments);
