using Microsoft.Extensions.VectorData;

namespace D2LLM.Storage.Embedded;

/// <summary>
/// A collection of the embedded store whose records are dictionaries (property name → value), described by a
/// <see cref="VectorStoreCollectionDefinition"/> alone: VectorData's dynamic mapping. Keys are the definition's key
/// type (string, Guid, int or long), boxed.
/// </summary>
public sealed class EmbeddedDynamicCollection : EmbeddedCollection<object, Dictionary<string, object?>>
{
    /// <summary>A dynamic collection of the store file at <paramref name="path"/> (created when missing), which this collection owns.</summary>
    public EmbeddedDynamicCollection(string path, string name, EmbeddedCollectionOptions options)
        : this(new StoreFile(path), ownsFile: true, name, options)
    {
    }

    internal EmbeddedDynamicCollection(StoreFile file, bool ownsFile, string name, EmbeddedCollectionOptions options)
        : base(file, ownsFile, name, o => new EmbeddedModelBuilder().BuildDynamic(o), options)
    {
    }
}
