using Google.Protobuf;
using Grpc.Core;
using Qdrant.Client;
using Qdrant.Client.Grpc;

namespace D2LLM.Storage.Tests.Qdrant;

/// <summary>
/// A Qdrant server as the official client's transport sees it: a gRPC CallInvoker that records every request (method
/// and message) and answers each method with what the test scripted (a response, or a failure with a gRPC status).
/// Unscripted methods answer with an empty successful response of the right type.
/// </summary>
internal sealed class FakeQdrant : CallInvoker
{
    private readonly Dictionary<string, Queue<Func<IMessage, IMessage>>> _scripts = new(StringComparer.Ordinal);

    public List<(string Method, IMessage Request)> Requests { get; } = new();

    /// <summary>A client talking to this fake (no deadline, so scripted delays are not cut short).</summary>
    public QdrantClient Client() => new(new QdrantGrpcClient(this), TimeSpan.Zero);

    /// <summary>The next call of <paramref name="method"/> (e.g. "Points/Upsert") answers with <paramref name="answer"/>.</summary>
    public FakeQdrant On(string method, Func<IMessage, IMessage> answer)
    {
        if (!_scripts.TryGetValue(method, out var queue)) _scripts[method] = queue = new Queue<Func<IMessage, IMessage>>();
        queue.Enqueue(answer);
        return this;
    }

    /// <summary>The next call of <paramref name="method"/> fails with <paramref name="code"/> and Qdrant's <paramref name="detail"/>.</summary>
    public FakeQdrant Fail(string method, StatusCode code, string detail) => On(method, _ => throw new RpcException(new Status(code, detail)));

    public IEnumerable<T> Sent<T>() where T : IMessage => Requests.Select(r => r.Request).OfType<T>();

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        string name = $"{method.ServiceName.Replace("qdrant.", "")}/{method.Name}";
        Requests.Add((name, (IMessage)request));
        Task<TResponse> response;
        try
        {
            var answer = _scripts.TryGetValue(name, out var queue) && queue.Count > 0 ? queue.Dequeue()((IMessage)request) : Default<TResponse>();
            response = Task.FromResult((TResponse)answer);
        }
        catch (RpcException e)
        {
            response = Task.FromException<TResponse>(e);
        }

        return new AsyncUnaryCall<TResponse>(response, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => new Metadata(), () => { });
    }

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        AsyncUnaryCall(method, host, options, request).ResponseAsync.GetAwaiter().GetResult();

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        throw new NotSupportedException(method.FullName);

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        throw new NotSupportedException(method.FullName);

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        throw new NotSupportedException(method.FullName);

    /// <summary>A successful empty answer: operations acknowledged, collections created, nothing found.</summary>
    private static IMessage Default<TResponse>() => typeof(TResponse).Name switch
    {
        nameof(PointsOperationResponse) => new PointsOperationResponse { Result = new UpdateResult { Status = UpdateStatus.Completed } },
        nameof(CollectionOperationResponse) => new CollectionOperationResponse { Result = true },
        nameof(CollectionExistsResponse) => new CollectionExistsResponse { Result = new CollectionExists { Exists = true } },
        _ => (IMessage)Activator.CreateInstance(typeof(TResponse))!,
    };
}
