using System.Globalization;

namespace D2LLM.Storage;

/// <summary>
/// A metadata condition: a field equal to a value, a field equal to any of several values, a numeric range, or all
/// of several conditions. A list-valued field matches when any element matches (as in Qdrant).
/// </summary>
public abstract record VectorFilter
{
    public static VectorFilter Equal(string field, object value) => new EqualFilter(field, value);

    public static VectorFilter AnyOf(string field, params object[] values) => new AnyOfFilter(field, values);

    public static VectorFilter Range(string field, double? greaterOrEqual = null, double? lessOrEqual = null, double? greater = null, double? less = null) =>
        new RangeFilter(field, greaterOrEqual, lessOrEqual, greater, less);

    public static VectorFilter And(params VectorFilter[] conditions) => new AndFilter(conditions);

    /// <summary>Whether a record's metadata satisfies the condition (the embedded store's evaluation).</summary>
    public abstract bool Matches(IReadOnlyDictionary<string, object?> metadata);

    private protected static IEnumerable<object> Values(IReadOnlyDictionary<string, object?> metadata, string field) =>
        !metadata.TryGetValue(field, out var v) || v is null ? Enumerable.Empty<object>()
        : v is IEnumerable<string> list && v is not string ? list
        : new[] { v };

    private protected static bool Same(object a, object b) =>
        a is string || b is string ? Equals(a.ToString(), b.ToString()) && a is string == b is string
        : a is bool || b is bool ? Equals(a, b)
        : Convert.ToDouble(a, CultureInfo.InvariantCulture) == Convert.ToDouble(b, CultureInfo.InvariantCulture);
}

public sealed record EqualFilter(string Field, object Value) : VectorFilter
{
    public override bool Matches(IReadOnlyDictionary<string, object?> metadata) => Values(metadata, Field).Any(v => Same(v, Value));
}

public sealed record AnyOfFilter(string Field, IReadOnlyList<object> Options) : VectorFilter
{
    public override bool Matches(IReadOnlyDictionary<string, object?> metadata) => Values(metadata, Field).Any(v => Options.Any(o => Same(v, o)));
}

public sealed record RangeFilter(string Field, double? GreaterOrEqual, double? LessOrEqual, double? Greater, double? Less) : VectorFilter
{
    public override bool Matches(IReadOnlyDictionary<string, object?> metadata) => Values(metadata, Field).Any(v =>
    {
        if (v is string or bool) return false;
        double x = Convert.ToDouble(v, CultureInfo.InvariantCulture);
        return (GreaterOrEqual is not { } ge || x >= ge) && (LessOrEqual is not { } le || x <= le) && (Greater is not { } g || x > g) && (Less is not { } l || x < l);
    });
}

public sealed record AndFilter(IReadOnlyList<VectorFilter> Conditions) : VectorFilter
{
    public override bool Matches(IReadOnlyDictionary<string, object?> metadata) => Conditions.All(c => c.Matches(metadata));
}
