using System.Diagnostics;
using D2LLM.Models.Tests;

namespace D2LLM.SemanticKernel.Tests;

/// <summary>
/// Packs the libraries as NuGet packages (from a copy of src/, so the build under test is untouched), then builds and
/// runs tests/PackageConsumer — the README's library snippet — against those packages only.
/// </summary>
public class PackageConsumerTests
{
    private static readonly string[] Libraries = { "D2LLM.Tensors", "D2LLM.Models", "D2LLM", "D2LLM.Storage", "D2LLM.SemanticKernel" };

    [Fact]
    public void AConsoleProgramReferencingOnlyThePackages_FollowsTheReadmeSnippetAndWorks()
    {
        string repo = Path.GetFullPath(Fixtures.Path("../.."));
        using var work = new TempDirectory();
        string version = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        string copy = work.File("repo"), feed = work.File("feed"), consumer = work.File("consumer");
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props" }) CopyFile(Path.Combine(repo, file), Path.Combine(copy, file));
        foreach (var library in Libraries) CopyTree(Path.Combine(repo, "src", library), Path.Combine(copy, "src", library));
        foreach (var library in Libraries)
            Run("dotnet", copy, "pack", Path.Combine(copy, "src", library, library + ".csproj"), "-c", "Release", "-o", feed, $"-p:Version={version}", "--nologo", "-v", "quiet");
        Assert.Equal(Libraries.Length, Directory.GetFiles(feed, "*.nupkg").Length);

        Directory.CreateDirectory(consumer);
        File.Copy(Path.Combine(repo, "tests", "PackageConsumer", "Program.cs"), Path.Combine(consumer, "Program.cs"));
        File.WriteAllText(Path.Combine(consumer, "PackageConsumer.csproj"),
            File.ReadAllText(Path.Combine(repo, "tests", "PackageConsumer", "PackageConsumer.csproj.template")).Replace("$VERSION$", version));
        File.WriteAllText(Path.Combine(consumer, "nuget.config"),
            $"<configuration><packageSources><add key=\"d2llm-local\" value=\"{feed}\" /></packageSources></configuration>");
        using var model = new FixtureModel("tiny-qwen2-a");
        string output = Run("dotnet", consumer, "run", "-c", "Release", "--", model.Path, work.File("notes.db"));
        var lines = output.Trim().Split('\n');
        Assert.StartsWith("bike 1.0000", lines[^2]);
        Assert.StartsWith("bread ", lines[^1]);
    }

    private static string Run(string file, string directory, params string[] args)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(8))) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} failed:\n{stdout.Result}\n{stderr.Result}");
        return stdout.Result;
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            if (!IsBuildOutput(Path.GetRelativePath(from, dir))) Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            if (!IsBuildOutput(Path.GetRelativePath(from, file))) CopyFile(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    private static bool IsBuildOutput(string relative) => relative.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj");

    private static void CopyFile(string from, string to)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        File.Copy(from, to);
    }
}
