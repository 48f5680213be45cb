using D2LLM.Tensors;
using D2LLM.Tensors.Optim;

namespace D2LLM.Models;

/// <summary>
/// A transformer that turns packed token ids into hidden states [tokens, hidden], with a backward pass for training
/// (LoRA adapters or full tuning) and pooling. The student, the cross-encoder, the embedding generator and the
/// teacher's features depend on this, not on an architecture: a Qwen decoder is one (see <see cref="IDecoder"/>),
/// and so is any encoder loaded by <see cref="Backbones.Load"/>. Tensors live on <see cref="Kernels"/>.
/// </summary>
public interface IBackbone : IDisposable
{
    /// <summary>The folder the model was loaded from (null for weights built in memory).</summary>
    string? Directory { get; }

    int HiddenSize { get; }

    /// <summary>Layers in use (fewer than <see cref="ConfiguredLayers"/> when loaded shallow).</summary>
    int LayerCount { get; }

    /// <summary>Layers of the checkpoint as its config declares them.</summary>
    int ConfiguredLayers { get; }

    /// <summary>The longest sequence the model's positions allow.</summary>
    int MaxPositions { get; }

    IKernels Kernels { get; }

    /// <summary>
    /// A causal model has read a whole sequence only at its last token; a bidirectional one summarises it at its
    /// first. Heads that score one sequence (a cross-encoder) read that token.
    /// </summary>
    bool IsCausal { get; }

    /// <summary>Ids of the tokenizer's special (control) tokens: what a text yields only when special tokens are allowed.</summary>
    IReadOnlySet<int> SpecialTokenIds { get; }

    /// <summary>Token ids of a text as the model's tokenizer gives them (no template tokens added).</summary>
    int[] Encode(string text, bool allowSpecialTokens = true);

    /// <summary>
    /// Ids of user text: never special tokens, at most <paramref name="maxTokens"/> (the rest is cut), and an empty
    /// text reads as one space so that every text has a state.
    /// </summary>
    int[] EncodeUntrusted(string text, int maxTokens);

    /// <summary>
    /// A text encoded by <see cref="EncodeUntrusted"/> cut to <paramref name="maxTokens"/>, keeping the markers the
    /// architecture puts at a text's end (an encoder's [SEP]).
    /// </summary>
    int[] Truncate(int[] ids, int maxTokens);

    /// <summary>
    /// One sequence of a query and a passage, already tokenized, as the architecture joins a pair: a decoder puts
    /// <paramref name="separator"/> between them and its end of text after; an encoder follows its own pair template.
    /// </summary>
    int[] EncodePair(int[] query, int[] passage, string separator);

    /// <summary>
    /// Final hidden states [tokens, hidden] of the batch. With a <paramref name="pass"/>, the activations its backward
    /// pass needs are kept in it (training); without, buffers are reused.
    /// </summary>
    Tensor Forward(TokenBatch batch, BackbonePass? pass = null);

    /// <summary>
    /// Back-propagates dL/d(output) of a training <see cref="Forward"/>, adding into the LoRA gradients and, after
    /// <see cref="MakeTrainable"/>, the weights' own.
    /// </summary>
    void Backward(BackbonePass pass, Tensor dOutput);

    /// <summary>True once LoRA adapters are attached.</summary>
    bool HasLora { get; }

    /// <summary>Attaches fresh LoRA adapters (B = 0) to the chosen projections of every layer.</summary>
    void AddLora(LoraOptions options, int seed);

    /// <summary>The adapters' parameters in a fixed order (A then B, layer by layer).</summary>
    IEnumerable<Parameter> LoraParameters();

    /// <summary>Full fine-tuning: the model's tensors become float32 parameters that <see cref="Backward"/> fills.</summary>
    IReadOnlyList<Parameter> MakeTrainable(bool includeEmbedding = false);

    /// <summary>The parameters of full fine-tuning, in checkpoint order (empty unless <see cref="MakeTrainable"/> ran).</summary>
    IEnumerable<Parameter> TrainableParameters();

    /// <summary>One vector per text: [texts, hidden].</summary>
    float[] Pool(Tensor hidden, TokenBatch batch, PoolingMode mode);

    /// <summary>
    /// <see cref="Pool"/> of an inference <see cref="Forward"/> in one call: the hidden states stay in the model's
    /// reused workspace instead of a fresh tensor per batch (what corpus embedding wants).
    /// </summary>
    float[] Embed(TokenBatch batch, PoolingMode mode);

    /// <summary>
    /// Bytes a training forward keeps per token across the layers in use, for sequences of at most
    /// <paramref name="maxTokens"/> (attention probabilities grow with it): what sizes chunks to a memory budget.
    /// </summary>
    long TrainingBytesPerToken(int maxTokens);

    /// <summary>Number of weights in use.</summary>
    long ParameterCount { get; }

    /// <summary>Bytes the weights in use take in memory (as stored; float32 once trainable).</summary>
    long WeightBytes { get; }

    /// <summary>A digest of every tensor's name, type, shape and bytes: changes when the weights change in place.</summary>
    string WeightsDigest();

    /// <summary>
    /// Writes the model, with what training changed, as a model folder of its kind (the source folder's config and
    /// tokenizer copied beside the weights).
    /// </summary>
    void Save(string directory);
}
