using System.Collections;
using System.Globalization;
using System.Text.Json;

namespace D2LLM.Storage.Mapping;

/// <summary>
/// The one form in which both stores keep and compare data values: <c>null</c>, <see cref="string"/>, <see cref="long"/>
/// (every integer type), <see cref="double"/> (float, double, decimal), <see cref="bool"/>, and lists of these.
/// Dates and times become ISO-8601 round-trip strings in UTC (DateTime, DateTimeOffset, "O" format; DateOnly,
/// "yyyy-MM-dd"), Guids their "D" text, as the Qdrant connector stores them: so string order is time order and a
/// filter's constant converts exactly as the stored value did. Floats are kept as the double they widen to, so a float
/// written and read back is the same float.
/// </summary>
internal static class StoredValue
{
    /// <summary>The CLR types a data property may have (also as elements of arrays and lists), nullable or not.</summary>
    public static readonly Type[] ScalarTypes =
    {
        typeof(string), typeof(bool), typeof(int), typeof(long), typeof(short), typeof(byte), typeof(float), typeof(double), typeof(decimal),
        typeof(DateTime), typeof(DateTimeOffset), typeof(DateOnly), typeof(Guid),
    };

    public const string SupportedTypes = "string, bool, int, long, short, byte, float, double, decimal, DateTime, DateTimeOffset, DateOnly, Guid, and arrays or List<T> of these";

    /// <summary>Whether a data property's type can be stored: a scalar type, its nullable, or an array / List&lt;T&gt; of one.</summary>
    public static bool IsSupported(Type type) => IsScalar(type) || (ElementType(type) is { } element && IsScalar(element));

    /// <summary>The element type of an array or List&lt;T&gt;, else null.</summary>
    public static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) ? type.GetGenericArguments()[0]
        : null;

    /// <summary>The stored form of a CLR value.</summary>
    public static object? From(object? value) => value switch
    {
        null => null,
        string s => s,
        bool b => b,
        int or long or short or byte or sbyte or ushort or uint => Convert.ToInt64(value, CultureInfo.InvariantCulture),
        ulong u => u <= long.MaxValue ? (long)u : (double)u,
        float f => (double)f,
        double d => d,
        decimal m => (double)m,
        DateTime t => (t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : DateTime.SpecifyKind(t, DateTimeKind.Utc)).ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("O", CultureInfo.InvariantCulture),
        Guid g => g.ToString("D"),
        JsonElement e => FromJson(e),
        IEnumerable list => list.Cast<object?>().Select(From).ToList(),
        _ => throw new NotSupportedException($"a value of type {value.GetType().Name} cannot be stored ({SupportedTypes})"),
    };

    /// <summary>A stored value read back from JSON.</summary>
    public static object? FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out long l) ? l : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Array => e.EnumerateArray().Select(FromJson).ToList(),
        _ => null,
    };

    /// <summary>A stored value as the CLR type a property declares (<c>object</c>: the stored form as it is).</summary>
    public static object? To(object? stored, Type type)
    {
        if (stored is null || type == typeof(object)) return stored;
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (ElementType(target) is { } element)
        {
            var items = stored is IEnumerable<object?> list ? list.ToList() : new List<object?> { stored };
            if (target.IsArray)
            {
                var array = Array.CreateInstance(element, items.Count);
                for (int i = 0; i < items.Count; i++) array.SetValue(To(items[i], element), i);
                return array;
            }

            var result = (IList)Activator.CreateInstance(target)!;
            foreach (var item in items) result.Add(To(item, element));
            return result;
        }

        return target switch
        {
            _ when target == typeof(string) => stored as string ?? Convert.ToString(stored, CultureInfo.InvariantCulture),
            _ when target == typeof(DateTime) => DateTime.Parse((string)stored, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind | DateTimeStyles.AdjustToUniversal),
            _ when target == typeof(DateTimeOffset) => DateTimeOffset.Parse((string)stored, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
            _ when target == typeof(DateOnly) => DateOnly.ParseExact((string)stored, "O", CultureInfo.InvariantCulture),
            _ when target == typeof(Guid) => Guid.Parse((string)stored),
            _ => Convert.ChangeType(stored, target, CultureInfo.InvariantCulture),
        };
    }

    /// <summary>
    /// Orders two stored scalars of one kind: numbers by value, strings ordinally (ISO dates sort as times), false
    /// before true. Null when they cannot be compared (different kinds, or a null).
    /// </summary>
    public static int? Compare(object? a, object? b) => (a, b) switch
    {
        (long x, long y) => x.CompareTo(y),
        (long or double, long or double) => Convert.ToDouble(a, CultureInfo.InvariantCulture).CompareTo(Convert.ToDouble(b, CultureInfo.InvariantCulture)),
        (string x, string y) => string.CompareOrdinal(x, y),
        (bool x, bool y) => x.CompareTo(y),
        _ => null,
    };

    /// <summary>Equality of stored values (null equals only null; a long equals the double of the same value).</summary>
    public static bool Same(object? a, object? b) => a is null || b is null ? a is null && b is null : Compare(a, b) == 0;

    private static bool IsScalar(Type type) => Array.IndexOf(ScalarTypes, Nullable.GetUnderlyingType(type) ?? type) >= 0;
}
