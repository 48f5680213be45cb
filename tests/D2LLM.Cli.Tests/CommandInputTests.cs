using D2LLM.Data;
using D2LLM.Models.Tests;

namespace D2LLM.Cli.Tests;

/// <summary>Small readers of the CLI's inputs, tested in process.</summary>
public class CommandInputTests
{
    [Fact]
    public void PeakRss_IsReadWhateverThePaddingBeforeTheNumber()
    {
        Assert.Equal(1000, D2LLM.Cli.Commands.Bench.PeakRss.Megabytes(new[] { "VmPeak:\t 2000000 kB", "VmHWM:\t 1024000 kB" }));
        Assert.Equal(9765, D2LLM.Cli.Commands.Bench.PeakRss.Megabytes(new[] { "VmHWM:\t10000000 kB" })); // past ~9.5 GiB the tab is all there is
        Assert.Equal(-1, D2LLM.Cli.Commands.Bench.PeakRss.Megabytes(new[] { "Name:\td2llm" }));
    }

    [Fact]
    public void ABenchLine_NamesTheProcessorItRanOn()
    {
        var (code, stdout, stderr) = Cli.Run("bench", "gemm", "--m", "48", "--n", "40", "--k", "32", "--runs", "1");
        Assert.True(code == 0, stderr);
        var line = System.Text.Json.JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;
        var cpuinfo = File.ReadLines("/proc/cpuinfo").First(l => l.StartsWith("model name", StringComparison.Ordinal));
        Assert.Equal(cpuinfo[(cpuinfo.IndexOf(':') + 1)..].Trim(), line.GetProperty("cpu").GetString());
        Assert.True(line.GetProperty("gflops").GetDouble() > 0);
    }

    [Fact]
    public void AnError_IsOneLine_AndVerboseAddsItsTrace()
    {
        using var dir = new TempDirectory();
        var plain = Cli.Run("embed", "--model", dir.File("no-such-model"));
        Assert.Equal((2, $"error: {dir.File("no-such-model")}: model folder not found"), (plain.Code, plain.Stderr.Trim()));
        var verbose = Cli.Run("embed", "--model", dir.File("no-such-model"), "--verbose");
        var lines = verbose.Stderr.Trim().Split('\n');
        Assert.Equal((2, plain.Stderr.Trim()), (verbose.Code, lines[0]));
        Assert.StartsWith("System.IO.DirectoryNotFoundException", lines[1]);
        Assert.Contains(lines, l => l.TrimStart().StartsWith("at D2LLM.", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--template x", "error: --template: unknown template 'x' (built in: d2llm-zh-sym, d2llm-zh-asym, d2llm-en-sym, d2llm-en-asym, qwen3-reranker)")]
    [InlineData("--template-file PROMPT", "error: --template-file needs --yes-token and --no-token")]
    [InlineData("--template d2llm-en-sym --template-file PROMPT", "error: give --template or --template-file, not both")]
    [InlineData("--template qwen3-reranker --yes-token yes!", "teacher prompt: qwen3-reranker (yes 'yes!', no 'no')")]
    public void TeacherPromptFlags_AreCheckedInTheFlagsTerms(string flags, string firstLine)
    {
        using var teacher = new FixtureModel("tiny-qwen3-a");
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("prompt.txt"), "{query} {passage}");
        File.WriteAllText(dir.File("pairs.jsonl"), "{\"query\": \"q\", \"passage\": \"p\"}\n");
        var args = new[] { "score", "--teacher", teacher.Path, "--input", dir.File("pairs.jsonl") }
            .Concat(flags.Split(' ').Select(f => f == "PROMPT" ? dir.File("prompt.txt") : f)).ToArray();
        var run = Cli.Run(args);
        Assert.Equal(firstLine, run.Stderr.Trim().Split('\n')[0]);
        Assert.Equal(firstLine.StartsWith("error:", StringComparison.Ordinal) ? 2 : 0, run.Code);
    }

    [Fact]
    public void InvalidUtf8_IsAnErrorNamingTheLine_NotAReplacementCharacter()
    {
        using var dir = new TempDirectory();
        var bytes = "{\"text\": \"fine\"}\n"u8.ToArray().Concat(new byte[] { 0x7B, 0x22, 0x74, 0x22, 0x3A, 0x22, 0xFF, 0xFE, 0x22, 0x7D, 0x0A }).ToArray();
        File.WriteAllBytes(dir.File("bad.jsonl"), bytes);
        using var lines = new JsonLines(dir.File("bad.jsonl"), null);
        using var reading = lines.Read().GetEnumerator();
        Assert.True(reading.MoveNext());
        var e = Assert.Throws<DataLineException>(() => reading.MoveNext());
        Assert.StartsWith($"{dir.File("bad.jsonl")}:2: not valid UTF-8", e.Message);
    }

    [Fact]
    public void ALoneSurrogateEscape_IsAnErrorNamingLineAndField()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.jsonl"), "{\"text\": \"fine\"}\n{\"text\": \"\\ud800 half a character\"}\n");
        using var lines = new JsonLines(dir.File("q.jsonl"), null);
        var read = lines.Read().ToList();
        Assert.Equal("fine", lines.RequireString(read[0].Json, read[0].Line, "text"));
        var e = Assert.Throws<DataLineException>(() => lines.RequireString(read[1].Json, read[1].Line, "text"));
        Assert.Equal($"{dir.File("q.jsonl")}:2: field \"text\" holds a lone surrogate escape, which is not text", e.Message);
    }

    [Fact]
    public async Task Outputs_ReplaceRegularFilesWhole_FollowLinks_WriteThroughFifos_AndRefuseFolders()
    {
        using var dir = new TempDirectory();
        void Write(string path, string text, bool commit)
        {
            using var output = new OutputFile(path);
            output.Stream.Write(System.Text.Encoding.UTF8.GetBytes(text));
            output.Stream.Flush();
            if (commit) output.Commit();
        }

        // A regular file: replaced only on commit; an uncommitted run leaves it, and no partial file.
        File.WriteAllText(dir.File("out.jsonl"), "old");
        Write(dir.File("out.jsonl"), "new", commit: false);
        Assert.Equal("old", File.ReadAllText(dir.File("out.jsonl")));
        Assert.False(File.Exists(dir.File("out.jsonl.partial")));
        Write(dir.File("out.jsonl"), "new", commit: true);
        Assert.Equal("new", File.ReadAllText(dir.File("out.jsonl")));

        // A link: the file it names gets the output, the link stays a link.
        File.CreateSymbolicLink(dir.File("link.jsonl"), dir.File("out.jsonl"));
        Write(dir.File("link.jsonl"), "through the link", commit: true);
        Assert.NotNull(new FileInfo(dir.File("link.jsonl")).LinkTarget);
        Assert.Equal("through the link", File.ReadAllText(dir.File("out.jsonl")));

        // A FIFO is written through, and is still a FIFO afterwards (as /dev/null would still be a device).
        System.Diagnostics.Process.Start("mkfifo", dir.File("pipe"))!.WaitForExit();
        var reader = Task.Run(() => File.ReadAllText(dir.File("pipe")));
        Write(dir.File("pipe"), "streamed", commit: true);
        Assert.Equal("streamed", await reader);
        Assert.Equal(0, new FileInfo(dir.File("pipe")).Length);
        var kind = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", $"-c %F {dir.File("pipe")}") { RedirectStandardOutput = true })!;
        Assert.Equal("fifo", kind.StandardOutput.ReadToEnd().Trim());

        // A folder, directly or through a link, is refused.
        Directory.CreateDirectory(dir.File("folder"));
        Directory.CreateSymbolicLink(dir.File("folder-link"), dir.File("folder"));
        Assert.Contains("a folder", Assert.Throws<IOException>(() => new OutputFile(dir.File("folder"))).Message);
        Assert.Contains("a folder", Assert.Throws<IOException>(() => new OutputFile(dir.File("folder-link"))).Message);
    }
}
