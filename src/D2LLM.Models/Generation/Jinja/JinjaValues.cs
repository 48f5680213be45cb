using System.Globalization;
using System.Text.Json;

namespace D2LLM.Models.Generation.Jinja;

/// <summary>A missing variable, attribute or key: false, empty, renders as nothing; "is defined" tells it apart.</summary>
internal sealed class JinjaUndefined
{
    public static readonly JinjaUndefined Instance = new();

    public override string ToString() => "";
}

/// <summary>The mutable object <c>namespace(...)</c> makes, so that a loop body can change a value outside it.</summary>
internal sealed class JinjaNamespace : Dictionary<string, object?>
{
}

/// <summary>
/// Values and their behaviour as in Jinja/Python: strings, long, double, bool, null (None), lists, dictionaries,
/// undefined; truthiness, equality, operators, attribute and item access, slicing, the string and dictionary methods,
/// filters (length, tojson, trim, …) and tests (defined, none, string, …) that chat templates use.
/// </summary>
internal static class JinjaValues
{
    public static bool Truthy(object? v) => v switch
    {
        null or JinjaUndefined => false,
        bool b => b,
        string s => s.Length > 0,
        long l => l != 0,
        double d => d != 0,
        System.Collections.ICollection c => c.Count > 0,
        _ => true,
    };

    public static string Str(object? v) => v switch
    {
        null => "None",
        JinjaUndefined => "",
        string s => s,
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d == Math.Floor(d) && Math.Abs(d) < 1e16 ? d.ToString("0.0", CultureInfo.InvariantCulture) : d.ToString("R", CultureInfo.InvariantCulture),
        _ => ToJson(v),
    };

    public static double Number(object? v) => v switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => throw new FormatException($"chat template: '{Str(v)}' is not a number"),
    };

    public static object? Member(object? target, string name) => target switch
    {
        IDictionary<string, object?> d => d.TryGetValue(name, out var v) ? v : JinjaUndefined.Instance,
        _ => JinjaUndefined.Instance,
    };

    public static object? Item(object? target, object? key) => (target, key) switch
    {
        (IDictionary<string, object?> d, _) => d.TryGetValue(Str(key), out var v) ? v : JinjaUndefined.Instance,
        (IList<object?> list, long i) => i < 0 ? (list.Count + i >= 0 ? list[(int)(list.Count + i)] : JinjaUndefined.Instance) : i < list.Count ? list[(int)i] : JinjaUndefined.Instance,
        (string s, long i) => i < 0 ? (s.Length + i >= 0 ? s[(int)(s.Length + i)].ToString() : JinjaUndefined.Instance) : i < s.Length ? s[(int)i].ToString() : JinjaUndefined.Instance,
        _ => JinjaUndefined.Instance,
    };

    public static object? Slice(object? target, object? start, object? stop, object? step)
    {
        var items = target switch
        {
            string s => s.Select(c => (object?)c.ToString()).ToList(),
            IList<object?> l => l.ToList(),
            _ => throw new FormatException("chat template: only strings and lists can be sliced"),
        };
        int n = items.Count, k = step is long st ? (int)st : 1;
        if (k == 0) throw new FormatException("chat template: slice step 0");
        int Clamp(object? v, int fallback) => v is long x ? (int)(x < 0 ? Math.Max(x + n, k > 0 ? 0 : -1) : Math.Min(x, k > 0 ? n : n - 1)) : fallback;
        int from = Clamp(start, k > 0 ? 0 : n - 1), to = Clamp(stop, k > 0 ? n : -1);
        var result = new List<object?>();
        for (int i = from; k > 0 ? i < to : i > to; i += k) result.Add(items[i]);
        return target is string ? string.Concat(result.Select(Str)) : result;
    }

    public static object? Operate(string op, object? a, object? b) => op switch
    {
        "==" => Same(a, b),
        "!=" => !Same(a, b),
        "<" => Compare(a, b) < 0,
        ">" => Compare(a, b) > 0,
        "<=" => Compare(a, b) <= 0,
        ">=" => Compare(a, b) >= 0,
        "in" => b switch
        {
            string s => s.Contains(Str(a), StringComparison.Ordinal),
            IDictionary<string, object?> d => d.ContainsKey(Str(a)),
            IList<object?> l => l.Any(x => Same(x, a)),
            _ => false,
        },
        "~" => Str(a) + Str(b),
        "+" when a is string || b is string => Str(a) + Str(b),
        "+" when a is IList<object?> la && b is IList<object?> lb => la.Concat(lb).ToList(),
        "+" or "-" or "*" when a is long x && b is long y => op switch { "+" => x + y, "-" => x - y, _ => x * y },
        "+" => Number(a) + Number(b),
        "-" => Number(a) - Number(b),
        "*" when a is string s && b is long times => string.Concat(Enumerable.Repeat(s, (int)Math.Max(0, times))),
        "*" => Number(a) * Number(b),
        "/" => Number(a) / Number(b),
        "//" when a is long x && b is long y => (long)Math.Floor((double)x / y),
        "//" => Math.Floor(Number(a) / Number(b)),
        "%" when a is long x && b is long y => ((x % y) + y) % y,
        _ => throw new FormatException($"chat template: operator {op} is not supported here"),
    };

    private static bool Same(object? a, object? b) => (a, b) switch
    {
        (JinjaUndefined, JinjaUndefined) or (null, null) => true,
        (long or double, long or double) when a is not bool && b is not bool => Number(a) == Number(b),
        _ => Equals(a, b),
    };

    private static int Compare(object? a, object? b) =>
        a is string sa && b is string sb ? string.CompareOrdinal(sa, sb) : Number(a).CompareTo(Number(b));

    public static object? CallMethod(object? target, string method, List<object?> args)
    {
        string Arg(int i) => args.Count > i ? Str(args[i]) : "";
        if (target is string s)
        {
            return method switch
            {
                "startswith" => s.StartsWith(Arg(0), StringComparison.Ordinal),
                "endswith" => s.EndsWith(Arg(0), StringComparison.Ordinal),
                "strip" => args.Count > 0 ? s.Trim(Arg(0).ToCharArray()) : s.Trim(),
                "lstrip" => args.Count > 0 ? s.TrimStart(Arg(0).ToCharArray()) : s.TrimStart(),
                "rstrip" => args.Count > 0 ? s.TrimEnd(Arg(0).ToCharArray()) : s.TrimEnd(),
                "split" => (args.Count > 0 ? s.Split(Arg(0)) : s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).Select(x => (object?)x).ToList(),
                "upper" => s.ToUpperInvariant(),
                "lower" => s.ToLowerInvariant(),
                "replace" => s.Replace(Arg(0), Arg(1), StringComparison.Ordinal),
                "title" => CultureInfo.InvariantCulture.TextInfo.ToTitleCase(s),
                _ => throw new FormatException($"chat template: string method '{method}' is not supported"),
            };
        }

        if (target is IDictionary<string, object?> d)
        {
            return method switch
            {
                "get" => d.TryGetValue(Arg(0), out var v) ? v : args.Count > 1 ? args[1] : null,
                "items" => d.Select(e => (object?)new List<object?> { e.Key, e.Value }).ToList(),
                "keys" => d.Keys.Select(k => (object?)k).ToList(),
                "values" => d.Values.ToList(),
                _ => throw new FormatException($"chat template: mapping method '{method}' is not supported"),
            };
        }

        throw new FormatException($"chat template: cannot call '{method}' on {Str(target)}");
    }

    public static object? ApplyFilter(string name, object? v, List<object?> args, Dictionary<string, object?> kwargs) => name switch
    {
        "length" or "count" => v switch
        {
            string s => (long)s.Length,
            System.Collections.ICollection c => (long)c.Count,
            _ => 0L,
        },
        "tojson" => ToJson(v, kwargs.TryGetValue("indent", out var indent) && indent is long n ? (int)n : args.Count > 0 && args[0] is long m ? (int)m : null),
        "trim" => Str(v).Trim(),
        "string" => Str(v),
        "lower" => Str(v).ToLowerInvariant(),
        "upper" => Str(v).ToUpperInvariant(),
        "first" => v is IList<object?> { Count: > 0 } l ? l[0] : JinjaUndefined.Instance,
        "last" => v is IList<object?> { Count: > 0 } l ? l[^1] : JinjaUndefined.Instance,
        "list" => v is IList<object?> l ? l.ToList() : v is string s ? s.Select(c => (object?)c.ToString()).ToList() : new List<object?>(),
        "reverse" => v is IList<object?> l ? Enumerable.Reverse(l).ToList() : new string(Str(v).Reverse().ToArray()),
        "join" => string.Join(args.Count > 0 ? Str(args[0]) : "", (v as IList<object?> ?? new List<object?>()).Select(Str)),
        "default" or "d" => v is JinjaUndefined || (v is null && args.Count > 1 && Truthy(args[1])) ? (args.Count > 0 ? args[0] : "") : v,
        "items" => v is IDictionary<string, object?> d ? d.Select(e => (object?)new List<object?> { e.Key, e.Value }).ToList() : new List<object?>(),
        _ => throw new FormatException($"chat template: filter '{name}' is not supported"),
    };

    public static bool ApplyTest(string name, object? v, List<object?> args) => name switch
    {
        "defined" => v is not JinjaUndefined,
        "undefined" => v is JinjaUndefined,
        "none" => v is null,
        "string" => v is string,
        "number" => v is long or double,
        "mapping" => v is IDictionary<string, object?>,
        "sequence" or "iterable" => v is IList<object?> or string or IDictionary<string, object?>,
        "true" => v is true,
        "false" => v is false,
        "boolean" => v is bool,
        "equalto" or "eq" => Same(v, args.Count > 0 ? args[0] : null),
        _ => throw new FormatException($"chat template: test '{name}' is not supported"),
    };

    /// <summary>JSON as Hugging Face's tojson writes it (Python json.dumps, ensure_ascii off).</summary>
    public static string ToJson(object? v, int? indent = null)
    {
        var element = JsonSerializer.SerializeToElement(ToPlain(v));
        if (indent is null) return PythonJson.Dumps(element);
        return JsonSerializer.Serialize(element, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    private static object? ToPlain(object? v) => v switch
    {
        JinjaUndefined => null,
        IDictionary<string, object?> d => d.ToDictionary(e => e.Key, e => ToPlain(e.Value)),
        IList<object?> l => l.Select(ToPlain).ToList(),
        _ => v,
    };

    /// <summary>A JSON element as template values: objects keep their key order.</summary>
    public static object? FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().Aggregate(new Dictionary<string, object?>(), (d, p) => { d[p.Name] = FromJson(p.Value); return d; }),
        JsonValueKind.Array => e.EnumerateArray().Select(FromJson).ToList(),
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out long l) ? (object)l : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}
