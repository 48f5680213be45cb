using System.Text;
using System.Text.RegularExpressions;
using D2LLM.Models.Generation;
using D2LLM.Models;

namespace D2LLM.Teacher;

/// <summary>
/// A listwise teacher (RankGPT / RankZephyr style): the local Qwen reads a window of numbered passages and writes their
/// order ("[2] > [1] > …"); a sliding window (default 20 wide, stride 10) moves from the bottom of the candidate list
/// to the top, so strong passages bubble up into the final top positions. The generated order is parsed leniently:
/// identifiers in the order written, repeats and out-of-range numbers ignored, missing ones appended in their
/// incoming order. The result is a full permutation of the candidates (rank 1 first).
/// </summary>
public sealed partial class ListwiseTeacher(WindowRanker ranker, int window = 20, int stride = 10)
{
    public const string SystemPrompt = "You are RankLLM, an intelligent assistant that can rank passages based on their relevancy to the query.";

    /// <summary>The candidates' indices, best first.</summary>
    public int[] Rank(string query, IReadOnlyList<string> candidates)
    {
        if (window < 2 || stride < 1 || stride > window) throw new ArgumentException($"window {window} and stride {stride}: need 2 ≤ window and 1 ≤ stride ≤ window");
        var order = Enumerable.Range(0, candidates.Count).ToList();
        int end = candidates.Count;
        while (true)
        {
            int start = Math.Max(0, end - window);
            var slice = order.GetRange(start, end - start);
            var permutation = ranker(query, slice.Select(i => candidates[i]).ToList());
            for (int i = 0; i < slice.Count; i++) order[start + i] = slice[permutation[i]];
            if (start == 0) break;
            end -= stride;
        }

        return order.ToArray();
    }

    /// <summary>The ranker that prompts a Qwen model (chat format) and parses its answer; passages cut to <paramref name="passageTokens"/>.</summary>
    public static WindowRanker Llm(IDecoder model, int passageTokens = 100)
    {
        var chat = ChatTemplate.Load(model.Directory ?? throw new ArgumentException("the listwise teacher needs a model folder with a chat template"));
        var generator = new TextGenerator(model);
        return (query, window) =>
        {
            var user = new StringBuilder();
            user.Append($"I will provide you with {window.Count} passages, each indicated by a numerical identifier []. ");
            user.Append($"Rank the passages based on their relevance to the search query: {query}.\n\n");
            for (int i = 0; i < window.Count; i++)
                user.Append('[').Append(i + 1).Append("] ").Append(model.Tokenizer!.Decode(model.EncodeUntrusted(window[i], passageTokens))).Append('\n');
            user.Append($"\nSearch Query: {query}.\nRank the {window.Count} passages above based on their relevance to the search query. ");
            user.Append("All the passages should be included and listed using identifiers, in descending order of relevance. ");
            user.Append("The output format should be [] > [], e.g., [2] > [1]. Only respond with the ranking results, do not say any word or explain.");
            var prompt = chat.Encode(model.Tokenizer!, new[] { new ChatTurn("system", SystemPrompt), new ChatTurn("user", user.ToString()) });
            var answer = generator.Generate(new[] { prompt }, new GenerationOptions { MaxNewTokens = 6 * window.Count + 8 })[0].Text;
            return ParsePermutation(answer, window.Count);
        };
    }

    /// <summary>"[3] > [1] > [3] > [9]" over 4 passages → 2, 0, then the missing 1, 3.</summary>
    public static int[] ParsePermutation(string answer, int count)
    {
        var seen = new HashSet<int>();
        var order = new List<int>();
        foreach (Match m in Identifier().Matches(answer))
            if (int.TryParse(m.Groups[1].Value, out int id) && id >= 1 && id <= count && seen.Add(id - 1)) order.Add(id - 1);
        order.AddRange(Enumerable.Range(0, count).Where(i => !seen.Contains(i)));
        return order.ToArray();
    }

    [GeneratedRegex(@"\[(\d+)\]")]
    private static partial Regex Identifier();
}
