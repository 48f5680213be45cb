using D2LLM.Models;

namespace D2LLM.Teacher;

/// <summary>
/// The LLM cross-encoder teacher (D2LLM's "LLM-ce"): a Qwen causal LM prompted to answer yes or no about a
/// (query, passage) pair, read at the next-token logits of the first tokens of the two words.
/// </summary>
public sealed class TeacherModel
{
    private string? _weightsDigest;

    public TeacherModel(IDecoder model, TeacherPrompt prompt, float temperature = 1f)
    {
        Model = model;
        Prompt = prompt;
        Temperature = temperature;
        YesId = FirstToken(prompt.YesWord, "yes");
        NoId = FirstToken(prompt.NoWord, "no");
    }

    public IDecoder Model { get; }
    public TeacherPrompt Prompt { get; }
    public float Temperature { get; }
    public int YesId { get; }
    public int NoId { get; }

    /// <summary>The digest of the teacher's weights (computed once): what keys its stored judgements.</summary>
    public string WeightsDigest => _weightsDigest ??= Model.WeightsDigest();

    /// <summary>Token ids of the filled prompt (user text cannot produce special tokens).</summary>
    public int[] Encode(string query, string passage) => Prompt.Template.Encode(Model.Tokenizer!, query, passage);

    /// <summary>Scores prompts already encoded, packed into one forward pass.</summary>
    public TeacherScore[] Score(IReadOnlyList<int[]> prompts, bool withFeatures = false)
    {
        var batch = TokenBatch.Pack(prompts);
        return Read(Model.Forward(batch), batch, withFeatures);
    }

    /// <summary>P(yes) of each pair (text1 as the query, text2 as the passage).</summary>
    public double[] ScorePairs(IEnumerable<Data.TextPair> pairs) =>
        Score(pairs.Select(p => Encode(p.Text1, p.Text2)).ToList()).Select(s => s.Probability).ToArray();

    /// <summary>
    /// Scores one query against many passages, computing the prompt tokens they share (instruction and query)
    /// once: the longest common prefix of the encoded prompts is run into a key/value cache, and only each
    /// candidate's remaining tokens are processed. The result equals <see cref="Score"/> on the full prompts.
    /// </summary>
    public TeacherScore[] ScoreCandidates(string query, IReadOnlyList<string> passages, bool withFeatures = false)
    {
        var prompts = passages.Select(p => Encode(query, p)).ToList();
        int shared = SharedPrefixLength(prompts);
        if (prompts.Count < 2 || shared < 2) return Score(prompts, withFeatures);

        var prefixCache = new KvCache(Model.LayerCount, 1);
        Model.Forward(TokenBatch.Pack(new[] { prompts[0][..shared] }), prefixCache);
        var cache = prefixCache.Repeat(prompts.Count);
        var batch = TokenBatch.Pack(prompts.Select(p => p[shared..]).ToList(), cache.Lengths.ToArray());
        return Read(Model.Forward(batch, cache), batch, withFeatures);
    }

    /// <summary>Tokens all prompts share, leaving each at least one token of its own.</summary>
    internal static int SharedPrefixLength(IReadOnlyList<int[]> prompts)
    {
        if (prompts.Count == 0) return 0;
        int length = prompts.Min(p => p.Length) - 1;
        for (int i = 0; i < length; i++)
            if (prompts.Any(p => p[i] != prompts[0][i])) return i;
        return Math.Max(length, 0);
    }

    private TeacherScore[] Read(D2LLM.Tensors.Tensor hidden, TokenBatch batch, bool withFeatures)
    {
        var logits = Model.LastLogits(hidden, batch, new[] { YesId, NoId });
        var features = withFeatures ? Model.Pool(hidden, batch, PoolingMode.Last) : null;
        int h = Model.HiddenSize;
        var result = new TeacherScore[batch.Count];
        for (int b = 0; b < result.Length; b++)
        {
            float yes = logits[2 * b], no = logits[2 * b + 1];
            result[b] = new TeacherScore(yes, no, 1 / (1 + Math.Exp((no - yes) / Temperature)), features?.AsSpan(b * h, h).ToArray());
        }

        return result;
    }

    private int FirstToken(string word, string which)
    {
        var ids = Model.Encode(word);
        return ids.Length > 0 ? ids[0] : throw new ArgumentException($"the {which} word '{word}' encodes to no token");
    }
}
