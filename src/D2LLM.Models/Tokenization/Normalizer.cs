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

    private static Normalizer Form(NormalizationForm form) => new(s => s.IsNormalized(form) ? s : s.Normalize(form));

    private static Normalizer Chain(Normalizer[] parts) => new(s =>
    {
        foreach (var p in parts) s = p.Apply(s);
        return s;
    });
}
