using D2LLM.Storage.Mapping;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;
using Qdrant.Client.Grpc;

namespace D2LLM.Storage.Qdrant;

/// <summary>
/// Builds and checks the Qdrant record model as the CommunityToolkit connector does: ulong or Guid keys (Guid keys may
/// be generated); data properties of <see cref="StoredValue.SupportedTypes"/>; at least one vector property of a native
/// vector type (or another type with an embedding generator), Cosine, Dot, Euclid or Manhattan distance, HNSW index.
/// </summary>
internal sealed class QdrantModelBuilder() : StoreModelBuilder(requiresVector: true)
{
    public static Distance DistanceOf(string? function) => function switch
    {
        null or DistanceFunction.CosineSimilarity => Distance.Cosine,
        DistanceFunction.DotProductSimilarity => Distance.Dot,
        DistanceFunction.EuclideanDistance => Distance.Euclid,
        DistanceFunction.ManhattanDistance => Distance.Manhattan,
        _ => throw new NotSupportedException($"distance function '{function}' (Qdrant supports CosineSimilarity, DotProductSimilarity, EuclideanDistance, ManhattanDistance)"),
    };

    protected override void ValidateKeyProperty(KeyPropertyModel keyProperty)
    {
        base.ValidateKeyProperty(keyProperty);
        if (keyProperty.Type != typeof(ulong) && keyProperty.Type != typeof(Guid))
            throw new NotSupportedException($"key property '{keyProperty.ModelName}' is a {keyProperty.Type.Name}; Qdrant point ids are ulong or Guid");
    }

    protected override void ValidateProperty(PropertyModel propertyModel, VectorStoreCollectionDefinition? definition)
    {
        base.ValidateProperty(propertyModel, definition);
        if (propertyModel is not VectorPropertyModel vector) return;
        DistanceOf(vector.DistanceFunction);
        if (vector.IndexKind is not (null or IndexKind.Hnsw))
            throw new NotSupportedException($"vector property '{vector.ModelName}': index kind '{vector.IndexKind}' (Qdrant indexes vectors with HNSW)");
    }
}
