using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Polly;
using Polly.Retry;

namespace D2LLM.Models.Hub;

/// <summary>
/// Downloads a model folder from the Hugging Face Hub, by the Hub's own URL layout:
/// <c>GET {endpoint}/api/models/{repo}/revision/{revision}?blobs=true</c> lists the files of the revision's commit with
/// sizes and checksums; <c>GET {endpoint}/{repo}/resolve/{commit}/{path}</c> serves each file (redirects followed).
/// Every file is fetched at the listed commit (one consistent snapshot), written as PATH.incomplete, resumed with a
/// Range request after an interruption, checked against its published checksum, and only then moved into place; a
/// file already present with the right checksum is skipped. Transient failures (timeouts, 429, 5xx, dropped
/// connections) are retried with exponential backoff; the token from HF_TOKEN is sent as a bearer token.
/// Without <see cref="HubOptions.Include"/>, weights in other formats (.bin, .pt, .gguf, .onnx, …) are left out
/// when the repository has safetensors.
/// </summary>
public sealed class HubDownloader : IDisposable
{
    private static readonly string[] OtherWeightFormats = { ".bin", ".pt", ".pth", ".ckpt", ".h5", ".msgpack", ".onnx", ".gguf", ".ot", ".tflite", ".mlmodel" };
    private readonly HubOptions _options;
    private readonly HttpClient _http;
    private readonly ResiliencePipeline _retry;

    public HubDownloader(HubOptions? options = null, HttpMessageHandler? handler = null)
    {
        _options = options ?? new HubOptions();
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.Timeout = Timeout.InfiniteTimeSpan; // per attempt, below
        if (_options.Token is { } token) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("d2llm/1.0");
        _retry = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>().Handle<TransientException>().Handle<IOException>()
                    .Handle<TimeoutException>(),
                MaxRetryAttempts = Math.Max(_options.MaxRetries, 1), Delay = _options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential, UseJitter = true,
            })
            .Build();
    }

    /// <summary>The commit a revision (branch, tag or commit) points to, and the files there.</summary>
    public async Task<(string Commit, List<HubFile> Files)> ListAsync(string repo, string revision, CancellationToken cancellationToken = default)
    {
        CheckRepoId(repo);
        string url = $"{_options.Endpoint.TrimEnd('/')}/api/models/{repo}/revision/{Uri.EscapeDataString(revision)}?blobs=true";
        string json = await Attempt(url, async ct =>
        {
            using var response = await _http.GetAsync(url, ct);
            await Check(response, repo, revision, null);
            return await response.Content.ReadAsStringAsync(ct);
        }, cancellationToken);
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            string commit = root.TryGetProperty("sha", out var sha) && sha.ValueKind == JsonValueKind.String ? sha.GetString()! : revision;
            var files = new List<HubFile>();
            foreach (var sibling in root.GetProperty("siblings").EnumerateArray())
            {
                string path = sibling.GetProperty("rfilename").GetString()!;
                long? size = sibling.TryGetProperty("size", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt64() : null;
                string? sha256 = null;
                if (sibling.TryGetProperty("lfs", out var lfs) && lfs.ValueKind == JsonValueKind.Object)
                {
                    sha256 = lfs.TryGetProperty("sha256", out var h) ? h.GetString() : null;
                    if (lfs.TryGetProperty("size", out var ls) && ls.ValueKind == JsonValueKind.Number) size = ls.GetInt64();
                }

                string? blob = sibling.TryGetProperty("blobId", out var b) && b.ValueKind == JsonValueKind.String ? b.GetString() : null;
                files.Add(new HubFile(path, size, sha256, sha256 is null ? blob : null));
            }

            return (commit, files);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new HubException($"{url}: not a Hub revision listing ({e.Message})");
        }
    }

    /// <summary>
    /// Downloads the selected files of a revision into <paramref name="directory"/>; returns the commit. Progress
    /// reports bytes done and bytes in all, over every selected file.
    /// </summary>
    public async Task<string> DownloadAsync(string repo, string revision, string directory, IProgress<(long Done, long Total)>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var (commit, all) = await ListAsync(repo, revision, cancellationToken);
        var files = Select(all);
        if (files.Count == 0) throw new HubException($"{repo}@{revision}: no files match");
        long total = files.Sum(f => f.Size ?? 0), before = 0;
        foreach (var file in files)
        {
            string target = LocalPath(directory, file.Path);
            long start = before;
            if (!(File.Exists(target) && await Matches(target, file, cancellationToken)))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                await Fetch(repo, commit, file, target, done => progress?.Report((start + done, total)), cancellationToken);
            }

            before += file.Size ?? new FileInfo(target).Length;
            progress?.Report((before, total));
        }

        return commit;
    }

    /// <summary>The files <see cref="HubOptions.Include"/> selects, or by default all but weights in other formats (when safetensors exist).</summary>
    public List<HubFile> Select(IEnumerable<HubFile> files)
    {
        var list = files.ToList();
        if (_options.Include is { } patterns)
        {
            var regexes = patterns.Select(p => new Regex("^" + Regex.Escape(p).Replace("\\*", ".*").Replace("\\?", ".") + "$")).ToList();
            return list.Where(f => regexes.Any(r => r.IsMatch(f.Path) || r.IsMatch(Path.GetFileName(f.Path)))).ToList();
        }

        bool safetensors = list.Any(f => f.Path.EndsWith(".safetensors", StringComparison.Ordinal));
        return list.Where(f => !safetensors || !OtherWeightFormats.Any(x => f.Path.EndsWith(x, StringComparison.OrdinalIgnoreCase))).ToList();
    }

    private async Task Fetch(string repo, string commit, HubFile file, string target, Action<long> progress, CancellationToken cancellationToken)
    {
        string partial = target + ".incomplete";
        string url = $"{_options.Endpoint.TrimEnd('/')}/{repo}/resolve/{commit}/{string.Join('/', file.Path.Split('/').Select(Uri.EscapeDataString))}";
        await Attempt(url, async ct =>
        {
            long have = File.Exists(partial) ? new FileInfo(partial).Length : 0;
            if (file.Size is { } size && have > size) have = 0;
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (have > 0) request.Headers.Range = new RangeHeaderValue(have, null);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                File.Delete(partial); // the partial file is not a prefix of this file: start over
                throw new TransientException($"{url}: range not satisfiable");
            }

            await Check(response, repo, commit, file.Path);
            bool append = have > 0 && response.StatusCode == HttpStatusCode.PartialContent;
            await using (var output = new FileStream(partial, append ? FileMode.Append : FileMode.Create, FileAccess.Write))
            {
                long done = append ? have : 0;
                await using var body = await response.Content.ReadAsStreamAsync(ct);
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await body.ReadAsync(buffer, ct)) > 0)
                {
                    await output.WriteAsync(buffer.AsMemory(0, read), ct);
                    progress(done += read);
                }
            }

            if (file.Size is { } expected && new FileInfo(partial).Length < expected)
                throw new TransientException($"{url}: connection closed after {new FileInfo(partial).Length} of {expected} bytes");
            return 0;
        }, cancellationToken);

        if (!await Matches(partial, file, cancellationToken))
        {
            File.Delete(partial);
            throw new HubException($"{repo}/{file.Path}: checksum mismatch (expected {file.Sha256 ?? file.GitBlobId}); the download was discarded");
        }

        File.Move(partial, target, overwrite: true);
    }

    /// <summary>True when the file has the published size and checksum (or none is published).</summary>
    private static async Task<bool> Matches(string path, HubFile file, CancellationToken cancellationToken)
    {
        long length = new FileInfo(path).Length;
        if (file.Size is { } size && length != size) return false;
        await using var stream = File.OpenRead(path);
        if (file.Sha256 is { } sha256) return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken)) == sha256.ToLowerInvariant();
        if (file.GitBlobId is { } blob)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            hash.AppendData(Encoding.ASCII.GetBytes($"blob {length}\0"));
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0) hash.AppendData(buffer, 0, read);
            return Convert.ToHexStringLower(hash.GetHashAndReset()) == blob.ToLowerInvariant();
        }

        return true;
    }

    private async Task<T> Attempt<T>(string url, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        try
        {
            return await _retry.ExecuteAsync(async ct =>
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(_options.Timeout);
                try
                {
                    return await action(timeout.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    throw new TimeoutException($"{url}: no answer within {_options.Timeout.TotalSeconds:F0} s");
                }
            }, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TransientException or IOException or TimeoutException)
        {
            throw new HubException($"{url}: failed after {_options.MaxRetries + 1} attempts ({e.Message})");
        }
    }

    private static async Task Check(HttpResponseMessage response, string repo, string revision, string? path)
    {
        if (response.IsSuccessStatusCode) return;
        string what = path is null ? $"{repo}@{revision}" : $"{repo}/{path}@{revision}";
        int code = (int)response.StatusCode;
        if (code == 429 || code >= 500) throw new TransientException($"{what}: {code} {response.ReasonPhrase}");
        string detail = (await response.Content.ReadAsStringAsync()).Trim();
        if (detail.Length > 200) detail = detail[..200];
        throw new HubException(code switch
        {
            401 or 403 => $"{what}: access denied ({code}); gated or private repositories need HF_TOKEN set to a token that can read them",
            404 => $"{what}: not found (404); check the repository id and --revision",
            _ => $"{what}: {code} {response.ReasonPhrase} {detail}",
        });
    }

    private static void CheckRepoId(string repo)
    {
        if (!Regex.IsMatch(repo, @"^[A-Za-z0-9][\w.\-]*(/[\w.\-]+)?$") || repo.Contains(".."))
            throw new HubException($"'{repo}' is not a Hub repository id (expected OWNER/NAME)");
    }

    /// <summary>Where a listed file goes; a listing that points outside the folder is refused.</summary>
    private static string LocalPath(string directory, string path)
    {
        string root = Path.GetFullPath(directory);
        string full = Path.GetFullPath(Path.Combine(root, path));
        if (Path.IsPathRooted(path) || !full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new HubException($"refusing the listed file '{path}': it points outside {directory}");
        return full;
    }

    public void Dispose() => _http.Dispose();

    private sealed class TransientException(string message) : Exception(message);
}
