namespace D2LLM.Models.Hub;

/// <summary>The Hub refused or failed a request in a way retrying will not fix (or retries ran out).</summary>
public sealed class HubException(string message) : Exception(message);
