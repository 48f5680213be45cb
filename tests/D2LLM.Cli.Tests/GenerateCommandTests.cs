using System.Text.Json;
using D2LLM.Models.Tests;

namespace D2LLM.Cli.Tests;

public class GenerateCommandTests
{
    [Fact]
    public void Generate_AnswersPromptAndChatLinesInOrder()
    {
        using var model = new FixtureModel("tiny-qwen3-a");
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("in.jsonl"), "{\"prompt\": \"Hello\"}\n{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}\n{\"prompt\": \"Again\"}\n");
        var (code, stdout, stderr) = Cli.Run("generate", "--model", model.Path, "--input", dir.File("in.jsonl"), "--max-new-tokens", "3", "--batch", "2");
        Assert.True(code == 0, stderr);
        var lines = stdout.Trim().Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, lines.Count);
        Assert.All(lines, l => Assert.True(l.GetProperty("ids").GetArrayLength() <= 3));
        // The same prompt alone gives the same continuation as in a batch.
        File.WriteAllText(dir.File("one.jsonl"), "{\"prompt\": \"Again\"}\n");
        var alone = Cli.Run("generate", "--model", model.Path, "--input", dir.File("one.jsonl"), "--max-new-tokens", "3");
        Assert.Equal(lines[2].GetProperty("ids").GetRawText(), JsonDocument.Parse(alone.Stdout.Trim()).RootElement.GetProperty("ids").GetRawText());
    }
}
