namespace D2LLM.Models.Generation;

/// <summary>One chat turn: role (system, user, assistant, tool), content, and for an assistant turn the tools it called.</summary>
public sealed record ChatTurn(string Role, string Content, IReadOnlyList<ChatToolCall>? ToolCalls = null);
