using Grpc.Core;
using Microsoft.Extensions.VectorData;
using Polly;
using Polly.Retry;
using Qdrant.Client;

namespace D2LLM.Storage.Qdrant;

/// <summary>
/// How the Qdrant store calls the server: transient gRPC failures (Unavailable, DeadlineExceeded, ResourceExhausted,
/// Aborted) retried with exponential backoff and jitter; every failure then handed to the caller's error factory with
/// Qdrant's own message ("StatusCode: detail").
/// </summary>
internal static class QdrantCalls
{
    private static readonly StatusCode[] Transient = { StatusCode.Unavailable, StatusCode.DeadlineExceeded, StatusCode.ResourceExhausted, StatusCode.Aborted };

    public static ResiliencePipeline Retry(QdrantRetryOptions options) => options.MaxRetries <= 0 ? ResiliencePipeline.Empty
        : new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = options.MaxRetries, Delay = options.Delay, BackoffType = DelayBackoffType.Exponential, UseJitter = true,
            ShouldHandle = new PredicateBuilder().Handle<RpcException>(e => Transient.Contains(e.StatusCode)),
        }).Build();

    public static async Task<T> RunAsync<T>(ResiliencePipeline retry, Func<CancellationToken, Task<T>> call, Func<string, Exception, VectorStoreException> error,
        CancellationToken cancellationToken)
    {
        try
        {
            return await retry.ExecuteAsync(async ct => await call(ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled || !cancellationToken.IsCancellationRequested)
        {
            throw error($"{e.StatusCode}: {(string.IsNullOrEmpty(e.Status.Detail) ? "no detail" : e.Status.Detail)}", e);
        }
        catch (QdrantException e)
        {
            throw error(e.Message, e);
        }
    }
}
