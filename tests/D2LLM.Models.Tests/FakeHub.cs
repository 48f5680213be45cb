using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace D2LLM.Models.Tests;

/// <summary>
/// A local HTTP server with the Hugging Face Hub's URL layout: /api/models/{repo}/revision/{rev} (file listing with
/// sizes, LFS SHA-256 and git blob ids) and /{repo}/resolve/{commit}/{path} (content, Range requests answered with 206).
/// Faults can be injected per path; every request is recorded.
/// </summary>
internal sealed class FakeHub : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public FakeHub(string repo, IReadOnlyDictionary<string, byte[]> files, IReadOnlyCollection<string> lfs)
    {
        Repo = repo;
        Files = files;
        Lfs = lfs;
        for (int attempt = 0; ; attempt++)
        {
            Port = Random.Shared.Next(20000, 60000);
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 20)
            {
            }
        }

        _loop = Task.Run(Serve);
    }

    public const string Commit = "0123456789abcdef0123456789abcdef01234567";
    public string Repo { get; }
    public int Port { get; }
    public string Endpoint => $"http://127.0.0.1:{Port}";
    public IReadOnlyDictionary<string, byte[]> Files { get; }
    public IReadOnlyCollection<string> Lfs { get; }
    public List<(string Path, string? Range, string? Authorization)> Requests { get; } = new();

    /// <summary>Status codes to answer for a path before serving it normally (consumed one per request).</summary>
    public Dictionary<string, Queue<int>> Faults { get; } = new();

    /// <summary>Paths whose content is served corrupted (last byte flipped).</summary>
    public HashSet<string> Corrupt { get; } = new();

    /// <summary>Paths whose body is cut off after this many bytes (the connection then closes).</summary>
    public Dictionary<string, int> CutAfter { get; } = new();

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                Handle(context);
            }
            catch (Exception e) when (e is HttpListenerException or IOException)
            {
            }
        }
    }

    private void Handle(HttpListenerContext context)
    {
        string path = Uri.UnescapeDataString(context.Request.Url!.AbsolutePath);
        lock (Requests) Requests.Add((path, context.Request.Headers["Range"], context.Request.Headers["Authorization"]));
        var response = context.Response;
        string listing = $"/api/models/{Repo}/revision/";
        string resolve = $"/{Repo}/resolve/{Commit}/";
        if (path.StartsWith(listing, StringComparison.Ordinal))
        {
            var siblings = Files.Select(f => Lfs.Contains(f.Key)
                ? (object)new { rfilename = f.Key, size = f.Value.Length, blobId = "ffff", lfs = new { sha256 = Convert.ToHexStringLower(SHA256.HashData(f.Value)), size = f.Value.Length, pointerSize = 134 } }
                : new { rfilename = f.Key, size = f.Value.Length, blobId = GitBlobId(f.Value) });
            Write(response, 200, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { id = Repo, sha = Commit, siblings })));
            return;
        }

        if (!path.StartsWith(resolve, StringComparison.Ordinal) || !Files.TryGetValue(path[resolve.Length..], out var content))
        {
            Write(response, 404, Encoding.UTF8.GetBytes("{\"error\":\"Entry not found\"}"));
            return;
        }

        string file = path[resolve.Length..];
        if (Faults.TryGetValue(file, out var queue) && queue.Count > 0)
        {
            Write(response, queue.Dequeue(), Encoding.UTF8.GetBytes("fault"));
            return;
        }

        if (Corrupt.Contains(file))
        {
            content = content.ToArray();
            content[^1] ^= 0xFF;
        }

        int start = 0;
        if (context.Request.Headers["Range"] is { } range && range.StartsWith("bytes=", StringComparison.Ordinal))
            start = int.Parse(range[6..].TrimEnd('-'));
        var body = content[start..];
        if (CutAfter.Remove(file, out int cut))
        {
            // Promise the whole body, send part of it, then drop the connection.
            response.StatusCode = start > 0 ? 206 : 200;
            response.ContentLength64 = body.Length;
            response.OutputStream.Write(body, 0, Math.Min(cut, body.Length));
            response.Abort();
            return;
        }

        Write(response, start > 0 ? 206 : 200, body);
    }

    private static void Write(HttpListenerResponse response, int status, byte[] body)
    {
        response.StatusCode = status;
        response.ContentLength64 = body.Length;
        response.OutputStream.Write(body);
        response.Close();
    }

    public static string GitBlobId(byte[] content) =>
        Convert.ToHexStringLower(SHA1.HashData(Encoding.ASCII.GetBytes($"blob {content.Length}\0").Concat(content).ToArray()));

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); }
        catch (AggregateException) { }
    }
}
