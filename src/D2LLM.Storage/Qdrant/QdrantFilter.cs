using System.Globalization;
using D2LLM.Storage.Filtering;
using Google.Protobuf.WellKnownTypes;
using Qdrant.Client.Grpc;
using Range = Qdrant.Client.Grpc.Range;
using Type = System.Type;

namespace D2LLM.Storage.Qdrant;

/// <summary>
/// A translated filter (<see cref="FilterNode"/>) as a Qdrant filter, as the CommunityToolkit connector translates:
/// == on strings, integers and booleans is a match (dates compare as their ISO strings), on doubles a closed range;
/// == null is is_null; != is must_not; &lt; &lt;= &gt; &gt;= are ranges on numbers and datetime ranges on dates;
/// &amp;&amp; is must, || should, ! must_not; Contains on a list field is a match (Qdrant matches any element), Contains
/// over a captured list a match-any; conditions on the key are has_id. What Qdrant cannot express is refused.
/// </summary>
internal static class QdrantFilter
{
    public static Filter Translate(FilterNode node) => node switch
    {
        And a => new Filter { Must = { a.Operands.Select(Condition) } },
        Or o => new Filter { Should = { o.Operands.Select(Condition) } },
        Not n => new Filter { MustNot = { Condition(n.Operand) } },
        Constant { Value: true } => new Filter(),
        Constant => throw new NotSupportedException("a filter that is always false"),
        _ => new Filter { Must = { Condition(node) } },
    };

    private static Condition Condition(FilterNode node) => node switch
    {
        Comparison { IsKey: true } c => Key(c),
        Comparison { Operator: FilterOperator.Equal } c => Equal(c.Field, c.Value, c.Type),
        Comparison { Operator: FilterOperator.NotEqual } c => Conditions.Filter(new Filter { MustNot = { Equal(c.Field, c.Value, c.Type) } }),
        Comparison c => Order(c),
        InSet { IsKey: true } s => Ids(s.Values),
        InSet s => AnyOf(s.Field, s.Values),
        ListContains { AnyOf: [var single] } l => Equal(l.Field, single, single?.GetType() ?? typeof(string)),
        ListContains l => AnyOf(l.Field, l.AnyOf),
        _ => Conditions.Filter(Translate(node)),
    };

    private static Condition Equal(string field, object? value, Type type) => value switch
    {
        null => Conditions.IsNull(field),
        string s => Conditions.MatchKeyword(field, s),
        long l => Conditions.Match(field, l),
        bool b => Conditions.Match(field, b),
        double d => Conditions.Range(field, new Range { Gte = d, Lte = d }),
        _ => throw new NotSupportedException($"filter on '{field}': equality with a {type.Name}"),
    };

    private static Condition Order(Comparison c)
    {
        if (c.Type == typeof(DateTime) || c.Type == typeof(DateTimeOffset) || c.Type == typeof(DateOnly))
        {
            var at = Timestamp.FromDateTimeOffset(DateTimeOffset.Parse((string)c.Value!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal));
            var range = new DatetimeRange();
            switch (c.Operator)
            {
                case FilterOperator.Less: range.Lt = at; break;
                case FilterOperator.LessOrEqual: range.Lte = at; break;
                case FilterOperator.Greater: range.Gt = at; break;
                default: range.Gte = at; break;
            }

            return new Condition { Field = new FieldCondition { Key = c.Field, DatetimeRange = range } };
        }

        if (c.Value is not (long or double)) throw new NotSupportedException($"filter on '{c.Field}': Qdrant orders numbers and dates, not {c.Type.Name}");
        double v = Convert.ToDouble(c.Value, CultureInfo.InvariantCulture);
        return Conditions.Range(c.Field, c.Operator switch
        {
            FilterOperator.Less => new Range { Lt = v },
            FilterOperator.LessOrEqual => new Range { Lte = v },
            FilterOperator.Greater => new Range { Gt = v },
            _ => new Range { Gte = v },
        });
    }

    private static Condition AnyOf(string field, IReadOnlyList<object?> values) => values switch
    {
        _ when values.All(v => v is string) => Conditions.Match(field, values.Cast<string>().ToList()),
        _ when values.All(v => v is long) => Conditions.Match(field, values.Cast<long>().ToList()),
        _ => throw new NotSupportedException($"filter on '{field}': Qdrant matches any of several strings or integers only"),
    };

    private static Condition Key(Comparison c) => c.Operator switch
    {
        FilterOperator.Equal => Ids(new[] { c.Value }),
        FilterOperator.NotEqual => Conditions.Filter(new Filter { MustNot = { Ids(new[] { c.Value }) } }),
        _ => throw new NotSupportedException("filter on the key: Qdrant compares point ids for equality only"),
    };

    private static Condition Ids(IReadOnlyList<object?> keys) => new()
    {
        HasId = new HasIdCondition { HasId = { keys.Select(k => k is string s && Guid.TryParse(s, out var g) ? QdrantPoints.Id(g) : QdrantPoints.Id(Convert.ToUInt64(k, CultureInfo.InvariantCulture))) } },
    };
}
