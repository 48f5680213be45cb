using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Polly;
using Polly.Retry;

namespace D2LLM.Storage.Qdrant;

/// <summary>
/// The REST transport: JSON requests to a Qdrant server with the api-key header, a timeout per attempt, retries with
/// exponential backoff (Polly) on 429, 5xx, timeouts and dropped connections, and Qdrant's error answers
/// ({"status": {"error": "..."}}) turned into one-line <see cref="QdrantException"/>s. Returns the "result" element.
/// </summary>
public sealed class QdrantRestClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly QdrantOptions _options;
    private readonly ResiliencePipeline _retry;

    public QdrantRestClient(QdrantOptions options, HttpMessageHandler? handler = null)
    {
        _options = options;
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.BaseAddress = options.Endpoint;
        _http.Timeout = System.Threading.Timeout.InfiniteTimeSpan;
        if (options.ApiKey is { Length: > 0 } key) _http.DefaultRequestHeaders.Add("api-key", key);
        _retry = new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>().Handle<TimeoutException>().Handle<TransientException>(),
            MaxRetryAttempts = Math.Max(1, options.MaxRetries), Delay = options.RetryDelay, BackoffType = DelayBackoffType.Exponential, UseJitter = true,
        }).Build();
    }

    /// <summary>Sends a request and returns the answer's "result" (JSON null when it has none).</summary>
    public async Task<JsonElement> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        string? json = body?.ToJsonString();
        try
        {
            return await _retry.ExecuteAsync(async ct =>
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(_options.Timeout);
                using var request = new HttpRequestMessage(method, path);
                if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                HttpResponseMessage response;
                string text;
                try
                {
                    response = await _http.SendAsync(request, timeout.Token);
                    text = await response.Content.ReadAsStringAsync(timeout.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    throw new TimeoutException($"{method} {path}: no answer within {_options.Timeout.TotalSeconds:F0} s");
                }

                using (response)
                {
                    int status = (int)response.StatusCode;
                    if (status == 429 || status >= 500) throw new TransientException($"{method} {path}: {status} {Error(text) ?? response.ReasonPhrase}", status);
                    if (!response.IsSuccessStatusCode)
                    {
                        throw new QdrantException(response.StatusCode switch
                        {
                            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => $"{method} {path}: access denied ({status}); check the api-key",
                            HttpStatusCode.NotFound => $"{method} {path}: not found ({status}): {Error(text) ?? "no such collection or point"}",
                            _ => $"{method} {path}: {status} {Error(text) ?? response.ReasonPhrase}",
                        }, status);
                    }

                    using var doc = JsonDocument.Parse(text.Length == 0 ? "{}" : text);
                    return doc.RootElement.TryGetProperty("result", out var result) ? result.Clone() : default;
                }
            }, cancellationToken);
        }
        catch (TransientException e)
        {
            throw new QdrantException($"{e.Message} (after {_options.MaxRetries + 1} attempts)", e.Status);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException)
        {
            throw new QdrantException($"{_options.Endpoint}: {e.Message} (after {_options.MaxRetries + 1} attempts)");
        }
        catch (JsonException e)
        {
            throw new QdrantException($"{method} {path}: the answer is not JSON ({e.Message})");
        }
    }

    private static string? Error(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.Object && s.TryGetProperty("error", out var e)
                ? e.GetString()?.ReplaceLineEndings(" ")
                : null;
        }
        catch (JsonException)
        {
            return text.Length > 0 ? text.ReplaceLineEndings(" ")[..Math.Min(200, text.Length)] : null;
        }
    }

    public void Dispose() => _http.Dispose();

    private sealed class TransientException(string message, int status) : Exception(message)
    {
        public int Status { get; } = status;
    }
}
