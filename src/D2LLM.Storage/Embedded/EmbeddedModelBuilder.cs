using D2LLM.Storage.Mapping;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace D2LLM.Storage.Embedded;

/// <summary>
/// Builds and checks the embedded store's record model: keys of type string, Guid, int or long (Guid keys may be
/// generated); data properties of <see cref="StoredValue.SupportedTypes"/>; any number of vector properties of the native
/// vector types (or of another type with an embedding generator) with one of the <see cref="Distance.Supported"/>
/// functions. Index kinds are accepted and ignored: search is always exact (as in the InMemory provider).
/// </summary>
internal sealed class EmbeddedModelBuilder() : StoreModelBuilder(requiresVector: false)
{
    protected override void ValidateKeyProperty(KeyPropertyModel keyProperty)
    {
        base.ValidateKeyProperty(keyProperty);
        CollectionSchema.KindOf(keyProperty.Type);
    }

    protected override void ValidateProperty(PropertyModel propertyModel, VectorStoreCollectionDefinition? definition)
    {
        base.ValidateProperty(propertyModel, definition);
        if (propertyModel is VectorPropertyModel { DistanceFunction: var function } vector && !Distance.IsSupported(function))
            throw new NotSupportedException($"vector property '{vector.ModelName}': distance function '{function}' (the embedded store supports {Distance.Supported})");
    }
}
