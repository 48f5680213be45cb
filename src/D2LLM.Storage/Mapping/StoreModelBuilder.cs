using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.VectorData;
using Microsoft.Extensions.VectorData.ProviderServices;

namespace D2LLM.Storage.Mapping;

/// <summary>
/// The model building both stores share: data properties of <see cref="StoredValue.SupportedTypes"/>, vector properties
/// of the native vector types (or any type with an embedding generator); each store adds its keys and distances.
/// </summary>
internal abstract class StoreModelBuilder(bool requiresVector) : CollectionModelBuilder(new CollectionModelBuildingOptions
{
    SupportsMultipleVectors = true, RequiresAtLeastOneVector = requiresVector,
})
{
    /// <summary>The model of a record type, refusing the dictionary type that belongs to <paramref name="dynamicCollection"/>.</summary>
    [RequiresDynamicCode("Record mapping by reflection is incompatible with NativeAOT.")]
    [RequiresUnreferencedCode("Record mapping by reflection is incompatible with trimming.")]
    public CollectionModel BuildFor<TKey, TRecord>(VectorStoreCollectionOptions options, Type dynamicCollection) =>
        typeof(TRecord) == typeof(Dictionary<string, object?>)
            ? throw new NotSupportedException(VectorDataStrings.NonDynamicCollectionWithDictionaryNotSupported(dynamicCollection))
            : Build(typeof(TRecord), typeof(TKey), options.Definition, options.EmbeddingGenerator);

    /// <summary>The model of a dynamic collection, which needs a definition.</summary>
    public CollectionModel BuildDynamic(VectorStoreCollectionOptions options) =>
        BuildDynamic(options.Definition ?? throw new ArgumentException("a dynamic collection needs a record definition", nameof(options)), options.EmbeddingGenerator);

    protected override bool IsDataPropertyTypeValid(Type type, [NotNullWhen(false)] out string? supportedTypes)
    {
        supportedTypes = StoredValue.SupportedTypes;
        return StoredValue.IsSupported(type);
    }

    protected override bool IsVectorPropertyTypeValid(Type type, [NotNullWhen(false)] out string? supportedTypes)
    {
        supportedTypes = NativeVectors.Types;
        return NativeVectors.IsNative(type);
    }
}
