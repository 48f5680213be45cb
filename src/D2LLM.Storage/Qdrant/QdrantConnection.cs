using Qdrant.Client;
using Qdrant.Client.Grpc;

namespace D2LLM.Storage.Qdrant;

/// <summary>
/// Where a Qdrant server is and how to reach it: the gRPC endpoint (port 6334; https:// for TLS), an API key, an
/// optional TLS certificate thumbprint to pin (self-signed servers), and the deadline of each call, after which a
/// server that never answers counts as a transient failure and is retried.
/// </summary>
public sealed class QdrantConnection
{
    public required Uri Endpoint { get; init; }

    public string? ApiKey { get; init; }

    /// <summary>SHA-256 thumbprint of the server's certificate, for a server whose certificate no authority signed.</summary>
    public string? CertificateThumbprint { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A client for the endpoint. The REST port (6333) is the commonest mistake: it cannot speak gRPC, so it is refused
    /// here with the port to use instead.
    /// </summary>
    public QdrantClient CreateClient()
    {
        if (Endpoint.Port == 6333) throw new ArgumentException($"{Endpoint}: 6333 is Qdrant's REST port; the client speaks gRPC on 6334");
        if (Endpoint.Scheme is not ("http" or "https")) throw new ArgumentException($"{Endpoint}: a Qdrant endpoint is http:// or https://");
        if (CertificateThumbprint is null) return new QdrantClient(Endpoint, ApiKey, Timeout);
        var channel = QdrantChannel.ForAddress(Endpoint, new ClientConfiguration { ApiKey = ApiKey, CertificateThumbprint = CertificateThumbprint });
        return new QdrantClient(new QdrantGrpcClient(channel), Timeout);
    }
}
