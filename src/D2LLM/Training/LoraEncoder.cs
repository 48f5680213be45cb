using D2LLM.Models;
using D2LLM.Tensors;
using D2LLM.Tensors.Optim;

namespace D2LLM.Training;

/// <summary>
/// The backbone as a trainable encoder: LoRA adapters on its projections (base weights frozen), run forward and
/// backward every step — the D2LLM paper's setting. Texts are tokenised once and truncated to a token limit.
/// Memory stays bounded whatever the batch (the GradCache idea): texts run in chunks whose training activations fit
/// <see cref="ActivationBudgetBytes"/>; the forward keeps only each chunk's output states, and the backward runs each
/// chunk forward again (same dropout masks, from a per-chunk seed) and back. A batch that fits in one chunk keeps
/// its activations and skips the second forward.
/// </summary>
public sealed class LoraEncoder : ITokenEncoder
{
    private readonly Dictionary<string, int[]> _ids = new(StringComparer.Ordinal);
    private readonly int _seed;
    private Random _dropout;

    public LoraEncoder(IBackbone backbone, LoraOptions lora, int maxTokens, int seed, long activationBudgetBytes = 512L << 20)
    {
        Backbone = backbone;
        MaxTokens = maxTokens;
        ActivationBudgetBytes = activationBudgetBytes;
        if (!backbone.HasLora) backbone.AddLora(lora, seed);
        _seed = seed;
        _dropout = new Random(seed + 1);
        ChunkTokens = (int)Math.Clamp(activationBudgetBytes / backbone.TrainingBytesPerToken(maxTokens), maxTokens, int.MaxValue);
    }

    public IBackbone Backbone { get; }
    public int MaxTokens { get; }
    public long ActivationBudgetBytes { get; }

    /// <summary>Tokens per chunk: what the activation budget allows (at least one text).</summary>
    public int ChunkTokens { get; }

    public int Dim => Backbone.HiddenSize;
    public IEnumerable<Parameter> Parameters => Backbone.LoraParameters();

    public EncodedTexts Encode(IReadOnlyList<string> texts, bool training) => EncodeIds(texts.Select(Ids).ToList(), training);

    /// <summary>Dropout masks of a step come from (seed, step): a run resumed from a checkpoint draws the same ones.</summary>
    public void BeginStep(int step) => _dropout = new Random(unchecked(_seed * 1_000_003 + step));

    /// <summary>As <see cref="Encode"/>, for sequences already tokenised (a cross-encoder's query-passage pairs).</summary>
    public EncodedTexts EncodeIds(List<int[]> ids, bool training)
    {
        var whole = TokenBatch.Pack(ids);
        var chunks = Chunks(ids);
        var seeds = chunks.Select(_ => training ? _dropout.Next() : 0).ToArray();
        if (chunks.Count == 1)
        {
            var pass = training ? new BackbonePass(whole, new Random(seeds[0])) : null;
            return new EncodedTexts(Backbone.Forward(whole, pass), whole.Starts, training ? new ChunkedPass(ids, chunks, seeds, pass) : null);
        }

        var k = Backbone.Kernels;
        var states = k.Allocate(whole.Tokens, Dim);
        for (int c = 0; c < chunks.Count; c++)
        {
            var (first, count) = chunks[c];
            var batch = TokenBatch.Pack(ids.GetRange(first, count));
            var output = Backbone.Forward(batch, training ? new BackbonePass(batch, new Random(seeds[c])) : null);
            k.CopyRows(output, 0, states, whole.Starts[first], batch.Tokens);
            ReleaseChunk();
        }

        return new EncodedTexts(states, whole.Starts, training ? new ChunkedPass(ids, chunks, seeds, null) : null);
    }

    public void Backward(EncodedTexts encoded, Tensor dStates)
    {
        var p = (ChunkedPass)encoded.Pass!;
        if (p.Single is { } single)
        {
            Backbone.Backward(single, dStates);
            return;
        }

        var k = Backbone.Kernels;
        for (int c = 0; c < p.Chunks.Count; c++)
        {
            var (first, count) = p.Chunks[c];
            var batch = TokenBatch.Pack(p.Ids.GetRange(first, count));
            var pass = new BackbonePass(batch, new Random(p.Seeds[c]));
            Backbone.Forward(batch, pass);
            var dChunk = k.Allocate(batch.Tokens, Dim);
            k.CopyRows(dStates, encoded.Starts[first], dChunk, 0, batch.Tokens);
            Backbone.Backward(pass, dChunk);
            ReleaseChunk();
        }
    }

    /// <summary>
    /// A chunk's activations are hundreds of megabytes of large-object garbage once it is done; left to itself the
    /// GC lets that heap grow to many gigabytes before collecting. A blocking collection here is cheap (little is
    /// live) next to a chunk's forward and backward, and keeps the process near its activation budget.
    /// </summary>
    private static void ReleaseChunk() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);

    /// <summary>Consecutive runs of texts of at most <see cref="ChunkTokens"/> tokens (a longer text is a chunk of its own).</summary>
    private List<(int First, int Count)> Chunks(List<int[]> ids)
    {
        var chunks = new List<(int, int)>();
        int first = 0, tokens = 0;
        for (int i = 0; i < ids.Count; i++)
        {
            if (i > first && tokens + ids[i].Length > ChunkTokens)
            {
                chunks.Add((first, i - first));
                (first, tokens) = (i, 0);
            }

            tokens += ids[i].Length;
        }

        if (ids.Count > 0) chunks.Add((first, ids.Count - first));
        return chunks;
    }

    private int[] Ids(string text)
    {
        if (!_ids.TryGetValue(text, out var ids)) _ids[text] = ids = Backbone.EncodeUntrusted(text, MaxTokens);
        return ids;
    }

    /// <summary>What the backward pass needs: the texts' ids, the chunks and their dropout seeds (or the one kept pass).</summary>
    private sealed record ChunkedPass(List<int[]> Ids, List<(int First, int Count)> Chunks, int[] Seeds, BackbonePass? Single);
}
