namespace D2LLM.SemanticKernel;

/// <summary>
/// What an ingestion did: documents in the input, how many were already stored unchanged (skipped), and how many
/// were longer than the model's window (embedded from their first tokens), with the first of them.
/// </summary>
public sealed record IngestionReport(int Documents, int Skipped, int Truncated, string? FirstTruncated);
