using D2LLM.Models.Tests;

namespace D2LLM.Cli.Tests;

/// <summary>The --out folder of distill and finetune-teacher: never overwrite what d2llm did not write, never share a run.</summary>
public class OutputFolderTests
{
    [Fact]
    public void ANewFolder_IsClaimed_AndTheSameCommandResumesIt()
    {
        using var dir = new TempDirectory();
        string folder = dir.File("student");
        using (OutputFolder.Claim(folder, "distill", force: false)) File.WriteAllText(Path.Combine(folder, "report.json"), "{}");
        Assert.Equal("distill", File.ReadAllText(Path.Combine(folder, OutputFolder.MarkerFile)).Trim());
        using (OutputFolder.Claim(folder, "distill", force: false)) Assert.True(File.Exists(Path.Combine(folder, "report.json")));
    }

    /// <summary>A run that wrote nothing (its model failed to load) leaves neither its marker nor a folder it made.</summary>
    [Fact]
    public void AClaimThatWroteNothing_LeavesNoTrace()
    {
        using var dir = new TempDirectory();
        string folder = dir.File("student");
        using (OutputFolder.Claim(folder, "distill", force: false)) Assert.True(File.Exists(Path.Combine(folder, OutputFolder.MarkerFile)));
        Assert.False(Directory.Exists(folder));

        Directory.CreateDirectory(folder);
        using (OutputFolder.Claim(folder, "finetune-teacher", force: false)) { }
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
        using (OutputFolder.Claim(folder, "distill", force: false)) { } // no 'finetune-teacher' output to refuse
    }

    [Fact]
    public void FilesD2llmDidNotWrite_AnotherCommandsOutput_AndAFile_AreRefusedUnlessForced()
    {
        using var dir = new TempDirectory();
        string model = dir.File("model");
        Directory.CreateDirectory(model);
        foreach (var name in new[] { "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json" }) File.WriteAllText(Path.Combine(model, name), "x");
        var foreign = Assert.Throws<IOException>(() => OutputFolder.Claim(model, "distill", force: false));
        Assert.Equal($"--out: {model} holds files d2llm did not write (config.json, model.safetensors, tokenizer.json, ...): name a new or empty folder, or pass --force to write into it", foreign.Message);
        Assert.False(File.Exists(Path.Combine(model, OutputFolder.MarkerFile)));
        using (OutputFolder.Claim(model, "finetune-teacher", force: true)) { }

        var other = Assert.Throws<IOException>(() => OutputFolder.Claim(model, "distill", force: false));
        Assert.Equal($"--out: {model} holds the output of 'finetune-teacher': name another folder, or pass --force to write into it", other.Message);

        File.WriteAllText(dir.File("a-file"), "keep me");
        Assert.Equal($"--out: {dir.File("a-file")} is a file; name a folder", Assert.Throws<IOException>(() => OutputFolder.Claim(dir.File("a-file"), "distill", force: true)).Message);
        Assert.Equal("keep me", File.ReadAllText(dir.File("a-file")));
    }

    [Fact]
    public void ASecondRunOnTheSameFolder_IsRefusedWhileTheFirstHoldsIt()
    {
        using var dir = new TempDirectory();
        string folder = dir.File("student");
        using (OutputFolder.Claim(folder, "distill", force: false))
        {
            var e = Assert.Throws<IOException>(() => OutputFolder.Claim(folder, "distill", force: false));
            Assert.Equal($"--out: {folder} is in use by another d2llm run", e.Message);
        }

        using (OutputFolder.Claim(folder, "distill", force: false)) { }
    }

    [Fact]
    public void Distill_IntoAModelFolder_EndsInOneLine_AndTouchesNothing()
    {
        using var model = new FixtureModel("tiny-qwen2-a");
        var before = Directory.GetFiles(model.Path).Order().ToList();
        var (code, _, stderr) = Cli.Run("distill", "--teacher", model.Path, "--backbone", model.Path, "--data", "unused", "--out", model.Path);
        Assert.Equal(2, code);
        Assert.StartsWith($"error: --out: {model.Path} holds files d2llm did not write (config.json, model.safetensors, tokenizer.json, ...)", stderr.Trim());
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Equal(before, Directory.GetFiles(model.Path).Order().ToList());
    }
}
