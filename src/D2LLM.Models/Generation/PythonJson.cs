using System.Globalization;
using System.Text;
using System.Text.Json;

namespace D2LLM.Models.Generation;

/// <summary>
/// JSON as Python's <c>json.dumps(x, ensure_ascii=False)</c> writes it — what Hugging Face chat templates' <c>tojson</c>
/// produces: ", " and ": " separators, non-ASCII kept, keys in their given order.
/// </summary>
public static class PythonJson
{
    public static string Dumps(JsonElement value)
    {
        var sb = new StringBuilder();
        Write(value, sb);
        return sb.ToString();
    }

    private static void Write(JsonElement e, StringBuilder sb)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                sb.Append('{');
                bool first = true;
                foreach (var p in e.EnumerateObject())
                {
                    if (!first) sb.Append(", ");
                    first = false;
                    String(p.Name, sb);
                    sb.Append(": ");
                    Write(p.Value, sb);
                }

                sb.Append('}');
                break;
            case JsonValueKind.Array:
                sb.Append('[');
                int i = 0;
                foreach (var item in e.EnumerateArray())
                {
                    if (i++ > 0) sb.Append(", ");
                    Write(item, sb);
                }

                sb.Append(']');
                break;
            case JsonValueKind.String:
                String(e.GetString()!, sb);
                break;
            case JsonValueKind.Number:
                sb.Append(e.TryGetInt64(out long l) ? l.ToString(CultureInfo.InvariantCulture) : e.GetRawText());
                break;
            case JsonValueKind.True:
                sb.Append("true");
                break;
            case JsonValueKind.False:
                sb.Append("false");
                break;
            default:
                sb.Append("null");
                break;
        }
    }

    private static void String(string s, StringBuilder sb)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }

        sb.Append('"');
    }
}
