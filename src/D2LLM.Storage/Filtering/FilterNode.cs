namespace D2LLM.Storage.Filtering;

/// <summary>
/// A record filter after translation from LINQ, in the terms both stores evaluate: fields by storage name, constants
/// in their stored form (<see cref="Mapping.StoredValue"/>). The embedded store evaluates it over its in-memory rows,
/// the Qdrant store turns it into a Qdrant filter.
/// </summary>
internal abstract record FilterNode;

/// <summary>How a field is compared with a constant.</summary>
internal enum FilterOperator
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

/// <summary>
/// A field compared with a constant (<c>r.Year &gt;= 2020</c>, <c>r.Name == null</c>); on the key when
/// <paramref name="IsKey"/>. <paramref name="Type"/> is the property's CLR type (without Nullable): a date's stored form is
/// a string, and only the type tells a date range from a string comparison.
/// </summary>
internal sealed record Comparison(string Field, bool IsKey, FilterOperator Operator, object? Value, Type Type) : FilterNode;

/// <summary>A scalar field equal to one of several constants (<c>names.Contains(r.Name)</c>).</summary>
internal sealed record InSet(string Field, bool IsKey, IReadOnlyList<object?> Values) : FilterNode;

/// <summary>A list field holding a constant (<c>r.Tags.Contains("x")</c>), or any of several (<c>r.Tags.Any(t =&gt; set.Contains(t))</c>).</summary>
internal sealed record ListContains(string Field, IReadOnlyList<object?> AnyOf) : FilterNode;

internal sealed record And(IReadOnlyList<FilterNode> Operands) : FilterNode;

internal sealed record Or(IReadOnlyList<FilterNode> Operands) : FilterNode;

internal sealed record Not(FilterNode Operand) : FilterNode;

/// <summary>A filter that is always true or always false (<c>r =&gt; true</c>).</summary>
internal sealed record Constant(bool Value) : FilterNode;
