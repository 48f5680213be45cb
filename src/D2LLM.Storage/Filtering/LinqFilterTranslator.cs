using System.Collections;
using System.Linq.Expressions;
using D2LLM.Storage.Mapping;
using Microsoft.Extensions.VectorData.ProviderServices;
using Microsoft.Extensions.VectorData.ProviderServices.Filter;

namespace D2LLM.Storage.Filtering;

/// <summary>
/// Translates a VectorData LINQ filter into a <see cref="FilterNode"/>: ==, !=, &lt;, &lt;=, &gt;, &gt;= between a
/// property and a constant (either side; captured variables are constants), &amp;&amp;, ||, !, a bare bool property,
/// <c>list.Contains(r.Field)</c> over a captured array or list, <c>r.Tags.Contains(x)</c> and
/// <c>r.Tags.Any(t =&gt; list.Contains(t))</c> on list properties, and the constants true / false. Properties bind by
/// name on records and by <c>r["Name"]</c> on dynamic ones. Anything else is refused with NotSupportedException naming
/// the expression, as VectorData's providers do: nothing is evaluated on the client.
/// </summary>
internal sealed class LinqFilterTranslator : FilterTranslatorBase
{
    public FilterNode Translate(LambdaExpression filter, CollectionModel model) =>
        Visit(PreprocessFilter(filter, model, new FilterPreprocessingOptions()));

    private FilterNode Visit(Expression node) => node switch
    {
        BinaryExpression { NodeType: ExpressionType.AndAlso } and => Flatten<And>(Visit(and.Left), Visit(and.Right)),
        BinaryExpression { NodeType: ExpressionType.OrElse } or => Flatten<Or>(Visit(or.Left), Visit(or.Right)),
        BinaryExpression binary when OperatorOf(binary.NodeType) is { } op => VisitComparison(binary, op),
        UnaryExpression { NodeType: ExpressionType.Not } not => new Not(Visit(not.Operand)),
        UnaryExpression { NodeType: ExpressionType.Convert } convert when convert.Type == typeof(bool) => Visit(convert.Operand),
        MethodCallExpression call => VisitCall(call),
        _ when TryConstant(node, out var value) && value is bool b => new Constant(b),
        _ when node.Type == typeof(bool) && TryBindProperty(node, out var property) => Field(property, FilterOperator.Equal, true),
        _ => throw Unsupported(node),
    };

    private FilterNode VisitComparison(BinaryExpression binary, FilterOperator op)
    {
        if (TryBindProperty(binary.Left, out var left) && TryConstant(binary.Right, out var right)) return Field(left, op, right);
        if (TryBindProperty(binary.Right, out var property) && TryConstant(binary.Left, out var value)) return Field(property, Mirror(op), value);
        throw Unsupported(binary);
    }

    private FilterNode VisitCall(MethodCallExpression call)
    {
        if (TryMatchContains(call, out var source, out var item))
        {
            // list.Contains(r.Field): the field is one of the constants.
            if (TryBindProperty(item, out var field) && TryConstant(source, out var values) && values is IEnumerable set and not string)
                return new InSet(field.StorageName, field is KeyPropertyModel, set.Cast<object?>().Select(StoredValue.From).ToList());

            // r.Tags.Contains(x): the list field holds the constant.
            if (TryBindProperty(source, out var list) && TryConstant(item, out var value))
                return new ListContains(list.StorageName, new[] { StoredValue.From(value) });
        }

        // r.Tags.Any(t => set.Contains(t)): the list field holds one of the constants.
        if (call is { Method.Name: nameof(Enumerable.Any), Arguments: [var tags, LambdaExpression { Parameters: [var element], Body: MethodCallExpression inner }] }
            && call.Method.DeclaringType == typeof(Enumerable) && TryBindProperty(tags, out var anyOf)
            && TryMatchContains(inner, out var constants, out var candidate) && candidate == element
            && TryConstant(constants, out var options) && options is IEnumerable anySet and not string)
            return new ListContains(anyOf.StorageName, anySet.Cast<object?>().Select(StoredValue.From).ToList());

        // r.Name.Equals("x")
        if (call is { Method.Name: nameof(Equals), Object: { } target, Arguments: [var argument] } && TryBindProperty(target, out var equalsField) && TryConstant(argument, out var equalsValue))
            return Field(equalsField, FilterOperator.Equal, equalsValue);

        throw Unsupported(call);
    }

    private static Comparison Field(PropertyModel property, FilterOperator op, object? value) =>
        new(property.StorageName, property is KeyPropertyModel, op, StoredValue.From(value), Nullable.GetUnderlyingType(property.Type) ?? property.Type);

    /// <summary>A sub-expression that does not read the record, evaluated once here (constants, converted constants, new[] { ... }).</summary>
    private bool TryConstant(Expression node, out object? value)
    {
        switch (node)
        {
            case ConstantExpression constant:
                value = constant.Value;
                return true;
            case QueryParameterExpression parameter:
                value = parameter.Value;
                return true;
            case var other when !ReadsRecord(other):
                value = Expression.Lambda(other).Compile().DynamicInvoke();
                return true;
            default:
                value = null;
                return false;
        }
    }

    private bool ReadsRecord(Expression node)
    {
        var finder = new ParameterFinder(RecordParameter);
        finder.Visit(node);
        return finder.Found;
    }

    private static FilterNode Flatten<T>(FilterNode left, FilterNode right)
        where T : FilterNode
    {
        IEnumerable<FilterNode> Parts(FilterNode n) => n switch
        {
            And a when typeof(T) == typeof(And) => a.Operands,
            Or o when typeof(T) == typeof(Or) => o.Operands,
            _ => new[] { n },
        };
        var operands = Parts(left).Concat(Parts(right)).ToList();
        return typeof(T) == typeof(And) ? new And(operands) : new Or(operands);
    }

    private static FilterOperator? OperatorOf(ExpressionType type) => type switch
    {
        ExpressionType.Equal => FilterOperator.Equal,
        ExpressionType.NotEqual => FilterOperator.NotEqual,
        ExpressionType.LessThan => FilterOperator.Less,
        ExpressionType.LessThanOrEqual => FilterOperator.LessOrEqual,
        ExpressionType.GreaterThan => FilterOperator.Greater,
        ExpressionType.GreaterThanOrEqual => FilterOperator.GreaterOrEqual,
        _ => null,
    };

    /// <summary>The operator with its sides swapped: 5 &lt; r.X is r.X &gt; 5.</summary>
    private static FilterOperator Mirror(FilterOperator op) => op switch
    {
        FilterOperator.Less => FilterOperator.Greater,
        FilterOperator.LessOrEqual => FilterOperator.GreaterOrEqual,
        FilterOperator.Greater => FilterOperator.Less,
        FilterOperator.GreaterOrEqual => FilterOperator.LessOrEqual,
        _ => op,
    };

    private static NotSupportedException Unsupported(Expression node) =>
        new($"the filter expression '{node}' is not supported (supported: ==, !=, <, <=, >, >= against constants, &&, ||, !, bool properties, Contains and Any on lists)");

    private sealed class ParameterFinder(ParameterExpression parameter) : ExpressionVisitor
    {
        public bool Found { get; private set; }

        protected override Expression VisitParameter(ParameterExpression node)
        {
            Found |= node == parameter;
            return node;
        }
    }
}
