namespace D2LLM.Models.Generation;

/// <summary>One continuation: its token ids, its text (special tokens dropped) and why it ended ("stop" or "length").</summary>
public sealed record Generation(int[] Ids, string Text, string FinishReason);
