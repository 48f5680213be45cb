using D2LLM.Models.Qwen;

namespace D2LLM.Teacher;

/// <summary>One teacher judgement: the yes/no logits, P(yes) = sigmoid((yes − no)/T), and optionally the
/// final-normed hidden state at the prompt's last position (the teacher feature for feature imitation).</summary>
public sealed record TeacherScore(float YesLogit, float NoLogit, double Probability, float[]? Feature);

/// <summary>
/// The LLM cross-encoder teacher (D2LLM's "LLM-ce"): a Qwen causal LM prompted to answer yes or no about a
/// (query, passage) pair, read at the next-token logits of the first tokens of the two words.
/// </summary>
public sealed class TeacherModel
{
    public TeacherModel(QwenModel model, TeacherPrompt prompt, float temperature = 1f)
    {
        Model = model;
        Prompt = prompt;
        Temperature = temperature;
        YesId = FirstToken(prompt.YesWord, "yes");
        NoId = FirstToken(prompt.NoWord, "no");
    }

    public QwenModel Model { get; }
    public TeacherPrompt Prompt { get; }
    public float Temperature { get; }
    public int YesId { get; }
    public int NoId { get; }

    /// <summary>Token ids of the filled prompt (user text cannot produce special tokens).</summary>
    public int[] Encode(string query, string passage) => Prompt.Template.Encode(Model.Tokenizer!, query, passage);

    /// <summary>Scores prompts already encoded, packed into one forward pass.</summary>
    public TeacherScore[] Score(IReadOnlyList<int[]> prompts, bool withFeatures = false)
    {
        var batch = TokenBatch.Pack(prompts);
        var hidden = Model.Forward(batch);
        var logits = Model.LastLogits(hidden, batch, new[] { YesId, NoId });
        var features = withFeatures ? Model.Pool(hidden, batch, PoolingMode.Last) : null;
        int h = Model.HiddenSize;
        var result = new TeacherScore[prompts.Count];
        for (int b = 0; b < result.Length; b++)
        {
            float yes = logits[2 * b], no = logits[2 * b + 1];
            result[b] = new TeacherScore(yes, no, 1 / (1 + Math.Exp((no - yes) / Temperature)),
                features?.AsSpan(b * h, h).ToArray());
        }

        return result;
    }

    private int FirstToken(string word, string which)
    {
        var ids = Model.Encode(word);
        return ids.Length > 0 ? ids[0] : throw new ArgumentException($"the {which} word '{word}' encodes to no token");
    }
}
