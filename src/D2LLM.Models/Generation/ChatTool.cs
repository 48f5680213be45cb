using System.Text.Json;

namespace D2LLM.Models.Generation;

/// <summary>A tool the model may call: name, description and the JSON schema of its parameters.</summary>
public sealed record ChatTool(string Name, string Description, JsonElement Parameters);
