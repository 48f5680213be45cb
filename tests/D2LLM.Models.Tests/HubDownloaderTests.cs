using System.Text;
using D2LLM.Models.Hub;

namespace D2LLM.Models.Tests;

public class HubDownloaderTests
{
    private static readonly Dictionary<string, byte[]> Files = new()
    {
        ["config.json"] = Encoding.UTF8.GetBytes("{\"architectures\": [\"Qwen3ForCausalLM\"]}"),
        ["model.safetensors"] = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7 % 251)).ToArray(),
        ["pytorch_model.bin"] = new byte[] { 1, 2, 3 },
        ["nested/extra.txt"] = Encoding.UTF8.GetBytes("a file in a folder"),
    };

    private static HubOptions Options(FakeHub hub, string? token = null) =>
        new() { Endpoint = hub.Endpoint, Token = token, RetryDelay = TimeSpan.FromMilliseconds(10), MaxRetries = 3 };

    [Fact]
    public async Task Download_FetchesTheSnapshotAtItsCommit_VerifiesChecksums_SkipsOtherWeightFormats_AndSendsTheToken()
    {
        using var hub = new FakeHub("org/tiny", Files, new[] { "model.safetensors" });
        using var dir = new TempDirectory();
        using var downloader = new HubDownloader(Options(hub, token: "hf_secret"));
        string commit = await downloader.DownloadAsync("org/tiny", "main", dir.Path);
        Assert.Equal(FakeHub.Commit, commit);
        foreach (var name in new[] { "config.json", "model.safetensors", "nested/extra.txt" })
            Assert.Equal(Files[name], File.ReadAllBytes(Path.Combine(dir.Path, name)));
        Assert.False(File.Exists(dir.File("pytorch_model.bin")));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.incomplete", SearchOption.AllDirectories));
        Assert.All(hub.Requests, r => Assert.Equal("Bearer hf_secret", r.Authorization));
        Assert.Contains(hub.Requests, r => r.Path == $"/org/tiny/resolve/{FakeHub.Commit}/model.safetensors");

        // A second run finds every file present and correct: only the listing is requested.
        int before = hub.Requests.Count;
        await downloader.DownloadAsync("org/tiny", "main", dir.Path);
        Assert.Single(hub.Requests.Skip(before));
    }

    [Fact]
    public async Task Download_ResumesAPartialFileWithARangeRequest_AndRetriesTransientFailures()
    {
        using var hub = new FakeHub("org/tiny", Files, new[] { "model.safetensors" });
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("model.safetensors.incomplete"), Files["model.safetensors"][..120_000]);
        hub.Faults["config.json"] = new Queue<int>(new[] { 503, 429 });
        hub.CutAfter["nested/extra.txt"] = 5;
        using var downloader = new HubDownloader(Options(hub));
        await downloader.DownloadAsync("org/tiny", "main", dir.Path);
        Assert.Equal(Files["model.safetensors"], File.ReadAllBytes(dir.File("model.safetensors")));
        Assert.Contains(hub.Requests, r => r.Path.EndsWith("/model.safetensors", StringComparison.Ordinal) && r.Range == "bytes=120000-");
        Assert.Equal(3, hub.Requests.Count(r => r.Path.EndsWith("/config.json", StringComparison.Ordinal)));
        Assert.Contains(hub.Requests, r => r.Path.EndsWith("/extra.txt", StringComparison.Ordinal) && r.Range == "bytes=5-");
        Assert.Equal(Files["nested/extra.txt"], File.ReadAllBytes(dir.File("nested/extra.txt")));
    }

    [Fact]
    public async Task Download_DiscardsAFileWhoseChecksumDoesNotMatch()
    {
        using var hub = new FakeHub("org/tiny", Files, new[] { "model.safetensors" });
        hub.Corrupt.Add("model.safetensors");
        using var dir = new TempDirectory();
        using var downloader = new HubDownloader(Options(hub));
        var e = await Assert.ThrowsAsync<HubException>(() => downloader.DownloadAsync("org/tiny", "main", dir.Path));
        Assert.Contains("org/tiny/model.safetensors: checksum mismatch", e.Message);
        Assert.False(File.Exists(dir.File("model.safetensors")));
        Assert.False(File.Exists(dir.File("model.safetensors.incomplete")));
    }

    [Theory]
    [InlineData(401, "access denied (401); gated or private repositories need HF_TOKEN")]
    [InlineData(404, "not found (404)")]
    [InlineData(503, "failed after 4 attempts")]
    public async Task Download_FailsWithAOneLineReason(int status, string expected)
    {
        using var hub = new FakeHub("org/tiny", Files, Array.Empty<string>());
        hub.Faults["config.json"] = new Queue<int>(Enumerable.Repeat(status, 10));
        using var dir = new TempDirectory();
        using var downloader = new HubDownloader(Options(hub));
        var e = await Assert.ThrowsAsync<HubException>(() => downloader.DownloadAsync("org/tiny", "main", dir.Path));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task Download_RefusesABadRepositoryIdAndAnUnknownRepository()
    {
        using var hub = new FakeHub("org/tiny", Files, Array.Empty<string>());
        using var downloader = new HubDownloader(Options(hub));
        using var dir = new TempDirectory();
        await Assert.ThrowsAsync<HubException>(() => downloader.DownloadAsync("../etc", "main", dir.Path));
        var e = await Assert.ThrowsAsync<HubException>(() => downloader.DownloadAsync("org/other", "main", dir.Path));
        Assert.Contains("org/other@main: not found", e.Message);
    }
}
