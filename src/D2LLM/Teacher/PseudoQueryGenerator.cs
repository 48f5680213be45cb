using System.Text.RegularExpressions;
using D2LLM.Models.Generation;
using D2LLM.Models;

namespace D2LLM.Teacher;

/// <summary>
/// Writes queries for passages of a corpus that has none, with the local Qwen (the first thing a domain user lacks).
/// The prompt (Chinese when the passage holds CJK characters, English otherwise; in the model's chat format when it
/// has one):
///   en: "Write one short search query that the following passage answers. Reply with the query only.\n\nPassage: {passage}"
///   zh: "请为下面这段文字写一个它能够回答的简短搜索问题。只输出问题。\n\n段落：{passage}"
/// A generation stops at the first line break; the text is trimmed of quotes and a "Query:" label. Queries that are
/// empty, repeat an earlier one, or that the teacher does not judge relevant to their own passage
/// (P(yes) &lt; <see cref="PseudoQueryOptions.MinTeacherScore"/>) are dropped.
/// </summary>
public sealed partial class PseudoQueryGenerator(IDecoder generator, TeacherModel teacher, PseudoQueryOptions options)
{
    public const string EnglishPrompt = "Write one short search query that the following passage answers. Reply with the query only.\n\nPassage: {passage}";
    public const string ChinesePrompt = "请为下面这段文字写一个它能够回答的简短搜索问题。只输出问题。\n\n段落：{passage}";

    private readonly ChatTemplate? _chat = generator.Directory is { } dir && HasChatTemplate(dir) ? ChatTemplate.Load(dir) : null;

    /// <summary>Queries for the given passages (index into <paramref name="passages"/>, query); reports (done, total).</summary>
    public List<(int Passage, string Query)> Generate(IReadOnlyList<string> passages, Action<int, int>? progress = null, CancellationToken cancellationToken = default)
    {
        var textGenerator = new TextGenerator(generator);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var kept = new List<(int, string)>();
        for (int start = 0; start < passages.Count; start += options.BatchSize)
        {
            var chunk = Enumerable.Range(start, Math.Min(options.BatchSize, passages.Count - start)).ToList();
            var generations = textGenerator.Generate(chunk.Select(i => Prompt(passages[i])).ToList(), new GenerationOptions
            {
                MaxNewTokens = options.MaxNewTokens, Temperature = options.Temperature, TopP = options.TopP, Seed = options.Seed + start,
                StopStrings = new[] { "\n" },
                StopTokenIds = TextGenerator.EndOfTurnIds(generator),
            }, cancellationToken);
            var candidates = chunk.Zip(generations, (i, g) => (Passage: i, Query: Clean(g.Text))).Where(c => c.Query.Length >= 2 && seen.Add(c.Query)).ToList();
            var scores = candidates.Count == 0 ? Array.Empty<double>() : teacher.ScorePairs(candidates.Select(c => new Data.TextPair(c.Query, passages[c.Passage], 1)));
            kept.AddRange(candidates.Where((_, k) => scores[k] >= options.MinTeacherScore).Select(c => (c.Passage, c.Query)));
            progress?.Invoke(start + chunk.Count, passages.Count);
        }

        return kept;
    }

    private int[] Prompt(string passage)
    {
        bool chinese = Cjk().IsMatch(passage);
        string body = passage.Length > 2000 ? passage[..2000] : passage;
        string template = chinese ? ChinesePrompt : EnglishPrompt;
        string text = template.Replace("{passage}", body);
        if (_chat is not null) return _chat.Encode(generator.Tokenizer!, new[] { new ChatTurn("user", text) });
        int offset = template.IndexOf("{passage}", StringComparison.Ordinal);
        return generator.Tokenizer!.EncodePrompt(text + (chinese ? "\n问题：" : "\nQuery:"), new[] { offset..(offset + body.Length) });
    }

    private static string Clean(string text)
    {
        text = text.Trim();
        text = QueryLabel().Replace(text, "");
        return text.Trim().Trim('"', '“', '”', '「', '」', '\'').Trim();
    }

    private static bool HasChatTemplate(string directory)
    {
        try
        {
            ChatTemplate.Load(directory);
            return true;
        }
        catch (Exception e) when (e is NotSupportedException or FileNotFoundException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")]
    private static partial Regex Cjk();

    [GeneratedRegex(@"^(query|question|问题|查询)\s*[:：]\s*", RegexOptions.IgnoreCase)]
    private static partial Regex QueryLabel();
}
