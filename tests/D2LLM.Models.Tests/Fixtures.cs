namespace D2LLM.Models.Tests;

/// <summary>Paths into tests/fixtures, found by walking up from the test assembly.</summary>
internal static class Fixtures
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = System.IO.Path.Combine(dir.FullName, "tests", "fixtures");
            if (Directory.Exists(candidate)) return candidate;
        }

        throw new DirectoryNotFoundException("tests/fixtures not found above " + AppContext.BaseDirectory);
    });

    public static string Path(string relative) => System.IO.Path.Combine(Root.Value, relative);
}

/// <summary>A fixture model assembled into a scratch folder with the shared tokenizer (linked, not copied).</summary>
internal sealed class FixtureModel : IDisposable
{
    private readonly TempDirectory _dir = new();

    public FixtureModel(string name)
    {
        foreach (var file in Directory.GetFiles(Fixtures.Path($"models/{name}")))
            System.IO.File.CreateSymbolicLink(_dir.File(System.IO.Path.GetFileName(file)), file);
        foreach (var file in new[] { "tokenizer.json", "tokenizer_config.json" })
            System.IO.File.CreateSymbolicLink(_dir.File(file), Fixtures.Path($"tokenizer/{file}"));
    }

    public string Path => _dir.Path;

    public string File(string name) => _dir.File(name);

    public void Dispose() => _dir.Dispose();
}
