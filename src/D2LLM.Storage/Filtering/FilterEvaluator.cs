using D2LLM.Storage.Mapping;

namespace D2LLM.Storage.Filtering;

/// <summary>
/// Evaluates a <see cref="FilterNode"/> over a stored row (the embedded store's in-memory data). Comparisons follow C#
/// on the original values: a null field equals only null and is neither less nor greater than anything; != is the
/// negation of ==; a list field "contains" when any element equals.
/// </summary>
internal static class FilterEvaluator
{
    /// <param name="filter">the translated filter</param>
    /// <param name="storedKey">the row's key in its stored form</param>
    /// <param name="data">the row's data values by storage name</param>
    public static bool Matches(FilterNode filter, object? storedKey, IReadOnlyDictionary<string, object?> data) => filter switch
    {
        Comparison c => Compare(c, Value(c.Field, c.IsKey, storedKey, data)),
        InSet s => s.Values.Any(v => StoredValue.Same(Value(s.Field, s.IsKey, storedKey, data), v)),
        ListContains l => data.GetValueOrDefault(l.Field) is IEnumerable<object?> items && items.Any(item => l.AnyOf.Any(v => StoredValue.Same(item, v))),
        And a => a.Operands.All(o => Matches(o, storedKey, data)),
        Or o => o.Operands.Any(x => Matches(x, storedKey, data)),
        Not n => !Matches(n.Operand, storedKey, data),
        Constant k => k.Value,
        _ => throw new NotSupportedException($"filter node {filter.GetType().Name}"),
    };

    private static object? Value(string field, bool isKey, object? storedKey, IReadOnlyDictionary<string, object?> data) =>
        isKey ? storedKey : data.GetValueOrDefault(field);

    private static bool Compare(Comparison c, object? value)
    {
        if (c.Operator == FilterOperator.Equal) return StoredValue.Same(value, c.Value);
        if (c.Operator == FilterOperator.NotEqual) return !StoredValue.Same(value, c.Value);
        if (StoredValue.Compare(value, c.Value) is not { } order) return false;
        return c.Operator switch
        {
            FilterOperator.Less => order < 0,
            FilterOperator.LessOrEqual => order <= 0,
            FilterOperator.Greater => order > 0,
            _ => order >= 0,
        };
    }
}
