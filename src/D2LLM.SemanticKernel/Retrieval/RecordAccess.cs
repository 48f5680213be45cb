using System.Linq.Expressions;
using System.Reflection;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;
using Microsoft.SemanticKernel.Data;

namespace D2LLM.SemanticKernel;

/// <summary>
/// How the pipeline and text search read a record: its text, name and link (SK's [TextSearchResultValue], [Name] and
/// [Link] attributes, else VectorData's data attributes), and the vector stored in the searched vector property.
/// Dictionary records (dynamic collections) are read by key: "Text" unless the options name a text accessor.
/// </summary>
internal sealed class RecordAccess<TRecord>
{
    private readonly Func<TRecord, object?>? _vector;

    public RecordAccess(Func<TRecord, string?>? text, Expression<Func<TRecord, object?>>? vectorProperty)
    {
        Text = text ?? DefaultText();
        Name = Property<TextSearchResultNameAttribute>() is { } name ? r => name.GetValue(r)?.ToString() : _ => null;
        Link = Property<TextSearchResultLinkAttribute>() is { } link ? r => link.GetValue(r)?.ToString() : _ => null;
        _vector = vectorProperty?.Compile() ?? SingleVector();
    }

    public Func<TRecord, string?> Text { get; }
    public Func<TRecord, string?> Name { get; }
    public Func<TRecord, string?> Link { get; }

    /// <summary>Whether records carry a vector to read (the vector property has a native vector type).</summary>
    public bool HasVectors => _vector is not null;

    public ReadOnlyMemory<float>? Vector(TRecord record) => _vector?.Invoke(record) switch
    {
        ReadOnlyMemory<float> m when !m.IsEmpty => m,
        float[] { Length: > 0 } a => a,
        Embedding<float> e => e.Vector,
        _ => null,
    };

    private static Func<TRecord, string?> DefaultText()
    {
        if (typeof(TRecord) == typeof(Dictionary<string, object?>)) return r => ((Dictionary<string, object?>)(object)r!).GetValueOrDefault("Text") as string;
        var property = Property<TextSearchResultValueAttribute>()
            ?? Single(p => p.PropertyType == typeof(string) && p.GetCustomAttribute<VectorStoreDataAttribute>() is { IsFullTextIndexed: true })
            ?? Single(p => p.PropertyType == typeof(string) && p.GetCustomAttribute<VectorStoreDataAttribute>() is not null)
            ?? throw new InvalidOperationException($"{typeof(TRecord).Name}: no text property found (mark one [TextSearchResultValue], or set the options' Text)");
        return r => property.GetValue(r) as string;
    }

    /// <summary>The record's one [VectorStoreVector] property, or (records mapped by a definition) its one property of a native vector type.</summary>
    private static Func<TRecord, object?>? SingleVector()
    {
        var properties = typeof(TRecord).GetProperties();
        var marked = properties.Where(p => p.GetCustomAttribute<VectorStoreVectorAttribute>() is not null).ToList();
        var vectors = marked.Count > 0 ? marked : properties.Where(p => IsNative(p.PropertyType)).ToList();
        return vectors.Count == 1 && IsNative(vectors[0].PropertyType) ? r => vectors[0].GetValue(r) : null;
    }

    private static bool IsNative(Type type) =>
        type == typeof(ReadOnlyMemory<float>) || type == typeof(ReadOnlyMemory<float>?) || type == typeof(float[]) || type == typeof(Embedding<float>);

    private static PropertyInfo? Property<TAttribute>()
        where TAttribute : Attribute => typeof(TRecord).GetProperties().FirstOrDefault(p => p.GetCustomAttribute<TAttribute>() is not null);

    private static PropertyInfo? Single(Func<PropertyInfo, bool> predicate)
    {
        var matches = typeof(TRecord).GetProperties().Where(predicate).ToList();
        return matches.Count == 1 ? matches[0] : null;
    }
}
