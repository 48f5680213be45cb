using System.Text;
using System.Text.Json;

namespace D2LLM.Models.Tokenization;

/// <summary>The <c>normalizer</c> of tokenizer.json: Unicode normal forms, lowercase, or a sequence of them.</summary>
internal sealed class Normalizer
{
    private readonly Func<string, string> _apply;

    private Normalizer(Func<string, string> apply) => _apply = apply;

    public static readonly Normalizer None = new(s => s);

    public string Apply(string text) => _apply(text);

    public static Normalizer Parse(JsonElement e, string source)
    {
        if (e.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) return None;
        string type = e.GetProperty("type").GetString() ?? "";
        return type switch
        {
            "NFC" => Form(NormalizationForm.FormC),
            "NFD" => Form(NormalizationForm.FormD),
            "NFKC" => Form(NormalizationForm.FormKC),
            "NFKD" => Form(NormalizationForm.FormKD),
            "Lowercase" => new Normalizer(s => s.ToLowerInvariant()),
            "Sequence" => Chain(e.GetProperty("normalizers").EnumerateArray().Select(n => Parse(n, source)).ToArray()),
            _ => throw new InvalidDataException($"{source}: normalizer type '{type}' is not supported (NFC, NFD, NFKC, NFKD, Lowercase, Sequence)"),
        };
    }

    private static Normalizer Form(NormalizationForm form) => new(s => (form == NormalizationForm.FormC && IsPlainlyNfc(s)) || s.IsNormalized(form) ? s : s.Normalize(form));

    /// <summary>
    /// Whether a text is NFC without asking ICU (a call per text, and tens of milliseconds to load on the first): true
    /// when every character is below U+0300 (no combining marks, every precomposed Latin letter already composed) or
    /// a CJK ideograph, a CJK symbol other than the tone marks U+302A–U+302F, or a full-width ASCII form; these are
    /// NFC_QC=Yes with combining class 0. Anything else goes to ICU.
    /// </summary>
    internal static bool IsPlainlyNfc(string text)
    {
        foreach (char c in text)
        {
            if (c < '\u0300' || c is >= '\u3000' and <= '\u3029' or >= '\u3030' and <= '\u303F' or >= '\u3400' and <= '\u4DBF'
                or >= '\u4E00' and <= '\u9FFF' or >= '\uFF01' and <= '\uFF5E') continue;
            return false;
        }

        return true;
    }

    private static Normalizer Chain(Normalizer[] parts) => new(s =>
    {
        foreach (var p in parts) s = p.Apply(s);
        return s;
    });
}
