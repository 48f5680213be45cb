using D2LLM.Tensors;

namespace D2LLM.Models.Generation;

/// <summary>
/// Text generation on a decoder with a key/value cache: the prompts are read in one packed pass (prefill), then
/// each step feeds every unfinished sequence its last token (positions continuing from the cache) and picks the next
/// from the full-vocabulary logits at that position. Finished sequences leave the batch. Results equal decoding
/// without a cache (the whole text re-read each step), which the tests check against a float64 reference.
/// </summary>
public sealed class TextGenerator(IDecoder model)
{
    public IDecoder Model { get; } = model;

    /// <summary>The ids that end a chat turn: the config's end-of-sequence ids, &lt;|im_end|&gt; and &lt;|endoftext|&gt;.</summary>
    public static IReadOnlyList<int> EndOfTurnIds(IDecoder model) =>
        model.EosTokenIds.Concat(new[] { "<|im_end|>", "<|endoftext|>" }.Select(t => model.Tokenizer?.TokenToId(t) ?? -1))
            .Where(id => id >= 0).Distinct().ToList();

    /// <summary>Continues every prompt; <paramref name="onToken"/> hears each accepted token as it is chosen (sequence, token) — for streaming.</summary>
    public IReadOnlyList<Generation> Generate(IReadOnlyList<int[]> prompts, GenerationOptions options, CancellationToken cancellationToken = default,
        Action<int, int>? onToken = null)
    {
        if (prompts.Any(p => p.Length == 0)) throw new ArgumentException("every prompt needs at least one token");
        var stopIds = (options.StopTokenIds ?? Model.EosTokenIds).ToHashSet();
        var samplers = prompts.Select((_, i) => new TokenSampler(options.Temperature, options.TopP, options.Seed + i)).ToArray();
        var generated = prompts.Select(_ => new List<int>()).ToArray();
        var finish = new string?[prompts.Count];
        var texts = new string[prompts.Count];

        var cache = new KvCache(Model.LayerCount, prompts.Count);
        var batch = TokenBatch.Pack(prompts);
        var active = Enumerable.Range(0, prompts.Count).ToList();
        var logits = NextLogits(Model.Forward(batch, cache), batch);
        while (active.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var still = new List<int>();
            var nextTokens = new List<int[]>();
            for (int a = 0; a < active.Count; a++)
            {
                int s = active[a];
                int token = samplers[s].Next(logits.AsSpan(a * Vocab, Vocab));
                if (stopIds.Contains(token))
                {
                    finish[s] = "stop";
                    continue;
                }

                generated[s].Add(token);
                onToken?.Invoke(s, token);
                if (options.StopStrings.Count > 0 && Decode(generated[s]) is var text && options.StopStrings.FirstOrDefault(text.Contains) is { } stop)
                {
                    texts[s] = text[..text.IndexOf(stop, StringComparison.Ordinal)];
                    finish[s] = "stop";
                    continue;
                }

                if (generated[s].Count >= options.MaxNewTokens)
                {
                    finish[s] = "length";
                    continue;
                }

                still.Add(a);
                nextTokens.Add(new[] { token });
            }

            if (still.Count == 0) break;
            cache = cache.Select(still);
            active = still.Select(a => active[a]).ToList();
            batch = TokenBatch.Pack(nextTokens, cache.Lengths.ToArray());
            logits = NextLogits(Model.Forward(batch, cache), batch);
        }

        return Enumerable.Range(0, prompts.Count)
            .Select(s => new Generation(generated[s].ToArray(), texts[s] ?? Decode(generated[s]), finish[s] ?? "length")).ToList();
    }

    private int Vocab => Model.VocabSize;

    /// <summary>Logits over the whole vocabulary at each sequence's last position: [sequences, vocab].</summary>
    private float[] NextLogits(Tensor hidden, TokenBatch batch)
    {
        var k = Model.Kernels;
        int h = Model.HiddenSize;
        var last = k.Allocate(batch.Count, h);
        for (int b = 0; b < batch.Count; b++) k.CopyRows(hidden, batch.Last(b), last, b, 1);
        var logits = k.Allocate(batch.Count, Vocab);
        Model.Logits(last, logits);
        var host = new float[logits.Length];
        k.CopyTo(logits, host);
        return host;
    }

    /// <summary>
    /// The text of generated ids, special tokens left out. The output layer is padded past the tokenizer's vocabulary
    /// (151,936 rows for 151,669 tokens); a padding id has no text, as in Hugging Face's decode.
    /// </summary>
    public string Decode(IEnumerable<int> ids) =>
        Model.Tokenizer is { } tokenizer ? tokenizer.Decode(ids.Where(id => id < tokenizer.VocabSize), skipSpecialTokens: true) : "";
}
