using System.Globalization;
using System.Text.Json;

namespace D2LLM.Data;

/// <summary>
/// Pair files (STS, NLI, paraphrase sets), read as a stream:
/// <list type="bullet">
/// <item>TSV without a header: <c>text1 TAB text2 TAB label</c> (LCQMC, Chinese STS-B, Chinese SNLI);</item>
/// <item>TSV with a header naming the columns (sentence1/sentence2/score, s1/s2/label, …) and optionally a
/// <c>split</c> column (the sentence-transformers STS Benchmark file); .gz files are read as they are;</item>
/// <item>JSON Lines with text1/text2 (or sentence1/sentence2, s1/s2, query/passage, premise/hypothesis) and label
/// or score.</item>
/// </list>
/// NLI labels map to entailment 1, contradiction 0; neutral pairs are left out (they are neither).
/// </summary>
public static class PairFile
{
    private static readonly string[] FirstNames = { "text1", "sentence1", "s1", "query", "premise" };
    private static readonly string[] SecondNames = { "text2", "sentence2", "s2", "passage", "hypothesis" };
    private static readonly string[] LabelNames = { "label", "score" };

    /// <summary>True when the path looks like a pair file (a .tsv, .tsv.gz, .jsonl or .jsonl.gz file).</summary>
    public static bool Recognises(string path) =>
        File.Exists(path) && (path.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".tsv.gz", StringComparison.OrdinalIgnoreCase) || IsJsonLines(path));

    /// <summary>The pairs of a file; <paramref name="split"/> keeps only that split's rows where the file has a split column.</summary>
    public static IEnumerable<TextPair> Read(string path, string? split = null) => IsJsonLines(path) ? ReadJson(path) : ReadTsv(path, split);

    /// <summary>
    /// Which task a file's labels describe: true when they are all 0 or 1 (pair classification), false when they are
    /// graded (similarity). Labels that are 0/1 but for a few (under 5% of the pairs) are refused, naming the first
    /// stray one: most likely a typo, and it would silently turn classification into graded similarity (other metrics,
    /// other positives).
    /// </summary>
    public static bool IsClassification(IReadOnlyList<TextPair> pairs, string path)
    {
        int strays = pairs.Count(p => p.Label is not (0 or 1));
        if (strays == 0) return true;
        if (strays >= 0.05 * pairs.Count) return false;
        throw new InvalidDataException($"{FirstStray(pairs, path)} in a file whose labels are otherwise 0/1 ({strays} of {pairs.Count} are not): "
            + "fix the label, or state the task");
    }

    /// <summary>Refuses labels other than 0 and 1 for a <paramref name="task"/> that only exists as classification, naming the first.</summary>
    public static void RequireClassification(IReadOnlyList<TextPair> pairs, string path, string task)
    {
        if (pairs.Any(p => p.Label is not (0 or 1))) throw new InvalidDataException($"{FirstStray(pairs, path)}: {task} needs 0/1 labels (pair classification)");
    }

    /// <summary>"path: pair N ('text1' / 'text2') has label x" for the first pair labelled neither 0 nor 1.</summary>
    private static string FirstStray(IReadOnlyList<TextPair> pairs, string path)
    {
        int i = 0;
        while (pairs[i].Label is 0 or 1) i++;
        var p = pairs[i];
        return $"{path}: pair {i + 1} ('{Clip(p.Text1)}' / '{Clip(p.Text2)}') has label {p.Label.ToString(CultureInfo.InvariantCulture)}";
    }

    private static string Clip(string text) => text.Length <= 30 ? text : text[..30] + "…";

    private static bool IsJsonLines(string path) =>
        path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".jsonl.gz", StringComparison.OrdinalIgnoreCase);

    private static IEnumerable<TextPair> ReadTsv(string path, string? split)
    {
        int first = 0, second = 1, label = 2, splitColumn = -1, width = 3;
        bool header = true;
        foreach (var (number, line) in DataLines.Read(path))
        {
            var parts = line.Split('\t');
            if (header)
            {
                header = false;
                var names = parts.Select(p => p.Trim().ToLowerInvariant()).ToList();
                int Column(string[] candidates) => candidates.Select(c => names.IndexOf(c)).FirstOrDefault(i => i >= 0, -1);
                if (Column(FirstNames) >= 0 && Column(LabelNames) >= 0)
                {
                    (first, second, label, splitColumn, width) = (Column(FirstNames), Column(SecondNames), Column(LabelNames), names.IndexOf("split"), parts.Length);
                    if (second < 0) throw new DataLineException(path, number, $"the header names no second text column ({string.Join(", ", SecondNames)})");
                    continue;
                }
            }

            if (parts.Length < width) throw new DataLineException(path, number, $"expected {width} tab-separated fields, found {parts.Length}");
            if (splitColumn >= 0 && split is not null && parts[splitColumn] != split) continue;
            if (ParseLabel(parts[label], path, number) is { } value) yield return new TextPair(parts[first], parts[second], value);
        }
    }

    private static IEnumerable<TextPair> ReadJson(string path)
    {
        foreach (var (number, e) in DataLines.ReadJson(path))
        {
            string? a = DataLines.FirstPresent(e, FirstNames), b = DataLines.FirstPresent(e, SecondNames), l = DataLines.FirstPresent(e, LabelNames);
            if (a is null || b is null) throw new DataLineException(path, number, $"field \"{(a is null ? "text1" : "text2")}\" is missing (also accepted: {string.Join(", ", a is null ? FirstNames : SecondNames)})");
            if (l is null) throw new DataLineException(path, number, $"field \"label\" is missing (or \"score\")");
            var value = e.GetProperty(l);
            double? parsed = value.ValueKind switch
            {
                JsonValueKind.Number => value.GetDouble(),
                JsonValueKind.True => 1,
                JsonValueKind.False => 0,
                JsonValueKind.String => ParseLabel(value.GetString()!, path, number),
                _ => throw new DataLineException(path, number, $"field \"{l}\" must be a number or a label name"),
            };
            if (parsed is { } label) yield return new TextPair(DataLines.String(e, a, path, number), DataLines.String(e, b, path, number), label);
        }
    }

    private static double? ParseLabel(string text, string path, int line)
    {
        text = text.Trim();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value)) return value;
        return text.ToLowerInvariant() switch
        {
            "entailment" => 1,
            "contradiction" => 0,
            "neutral" => null,
            _ => throw new DataLineException(path, line, $"field \"label\": '{text}' is neither a number nor entailment/neutral/contradiction"),
        };
    }
}
