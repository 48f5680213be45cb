namespace D2LLM.Models.Hub;

/// <summary>
/// One file of a Hub repository at a commit: its path, size, and the checksum the Hub publishes for it — SHA-256 of
/// the content for LFS files, the git blob id (SHA-1 of "blob SIZE\0" + content) for the others.
/// </summary>
public sealed record HubFile(string Path, long? Size, string? Sha256, string? GitBlobId);
