namespace D2LLM.Cli;

/// <summary>Folders of the repository the CLI ships with (the quickstart samples, the tokenizer benchmarks embed with).</summary>
internal static class RepositoryFolder
{
    /// <summary>A folder found above the working directory or above the CLI's own location; <paramref name="remedy"/> says what to do when it is not.</summary>
    public static string Locate(string relative, string remedy)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (Directory.Exists(Path.Combine(d.FullName, relative))) return Path.Combine(d.FullName, relative);
        throw new DirectoryNotFoundException($"{relative}: not found above {Directory.GetCurrentDirectory()} (give {remedy})");
    }
}
