using D2LLM.Models.Checkpoints;
using D2LLM.Models;
using D2LLM.Tensors.Optim;
using D2LLM.Training;

namespace D2LLM.CrossEncoder;

/// <summary>
/// A cross-encoder student in the Rank-DistiLLM / monoELECTRA shape on any backbone: it reads the pair  query
/// (≤ 32 tokens) + passage (≤ 256 tokens)  joined as the backbone joins pairs (a decoder: separator between, end of text
/// after), and a linear head on the state of the token that has read the whole pair (a decoder's last, an encoder's
/// first) gives the score,  s = w·h + b.  User text never yields special tokens. Training
/// changes the head and either LoRA adapters or, with <see cref="CrossEncoderConfig.Tuning"/> "full", every backbone
/// tensor (saved whole in the student folder).
/// Training: <see cref="Forward"/> keeps what <see cref="Backward"/> needs (∂s/∂h = w, ∂s/∂w = h, ∂s/∂b = 1);
/// memory stays bounded through the chunked <see cref="LoraEncoder"/>.
/// </summary>
public sealed class CrossEncoderModel : IDisposable, Retrieval.IPassageScorer
{
    private readonly LoraEncoder _encoder;
    private readonly IReadOnlyList<Parameter>? _backboneParameters;

    private CrossEncoderModel(CrossEncoderConfig config, IBackbone backbone, int seed)
    {
        Config = config;
        Backbone = backbone;
        // Full tuning makes the backbone's own tensors the parameters and attaches no adapters (no LoRA targets).
        _backboneParameters = config.FullTuning ? backbone.MakeTrainable(includeEmbedding: true) : null;
        var lora = new LoraOptions { Rank = config.LoraRank, Alpha = config.LoraAlpha, Dropout = 0.05f };
        if (config.FullTuning) lora.Targets = Array.Empty<LoraTarget>();
        _encoder = new LoraEncoder(backbone, lora, maxTokens: config.QueryTokens + config.PassageTokens + 8, seed);
        int h = backbone.HiddenSize;
        HeadWeight = new Parameter("head.weight", new[] { h });
        HeadBias = new Parameter("head.bias", new[] { 1 }, weightDecay: false);
        Init.Uniform(HeadWeight.Value, 1 / MathF.Sqrt(h), new Random(seed));
    }

    public CrossEncoderConfig Config { get; }
    public IBackbone Backbone { get; }
    public Parameter HeadWeight { get; }
    public Parameter HeadBias { get; }

    /// <summary>The head, then the LoRA adapters or (full tuning) the backbone's tensors.</summary>
    public IEnumerable<Parameter> Parameters => new[] { HeadWeight, HeadBias }.Concat(BackboneParameters);

    private IEnumerable<Parameter> BackboneParameters => _backboneParameters ?? Backbone.LoraParameters();

    private string BackboneFile => Config.FullTuning ? CrossEncoderConfig.BackboneFile : CrossEncoderConfig.LoraFile;

    /// <summary>A fresh cross-encoder on a backbone (LoRA B = 0, a small random head).</summary>
    public static CrossEncoderModel Create(IBackbone backbone, CrossEncoderConfig config, int seed = 7) => new(config, backbone, seed);

    public static CrossEncoderModel Load(string directory)
    {
        var config = CrossEncoderConfig.Load(directory);
        string backbonePath = Path.IsPathRooted(config.Backbone) ? config.Backbone : Path.GetFullPath(Path.Combine(directory, config.Backbone));
        var backbone = Backbones.Load(backbonePath, new ModelLoadOptions { Layers = config.BackboneLayers });
        try
        {
            var model = new CrossEncoderModel(config, backbone, seed: 0);
            ParameterFile.Read(Path.Combine(directory, CrossEncoderConfig.HeadFile), new[] { model.HeadWeight, model.HeadBias });
            ParameterFile.Read(Path.Combine(directory, model.BackboneFile), model.BackboneParameters);
            return model;
        }
        catch
        {
            backbone.Dispose();
            throw;
        }
    }

    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        ParameterFile.Write(Path.Combine(directory, CrossEncoderConfig.HeadFile), new[] { HeadWeight, HeadBias });
        ParameterFile.Write(Path.Combine(directory, BackboneFile), BackboneParameters);
        Config.Save(directory);
    }

    /// <summary>Token ids of a pair: truncated query and passage joined as the backbone joins a pair (see <see cref="IBackbone.EncodePair"/>).</summary>
    public int[] EncodePair(string query, string passage) =>
        Backbone.EncodePair(Backbone.EncodeUntrusted(query, Config.QueryTokens), Backbone.EncodeUntrusted(passage, Config.PassageTokens), Config.Separator);

    /// <summary>Seeds the LoRA dropout of a training step from the step number (exact resume).</summary>
    public void BeginStep(int step) => _encoder.BeginStep(step);

    /// <summary>Scores of one query against passages (inference).</summary>
    public float[] Score(string query, IReadOnlyList<string> passages) => Forward(passages.Select(p => EncodePair(query, p)).ToList());

    /// <summary>Scores of encoded pairs (inference).</summary>
    public float[] Forward(List<int[]> pairs) => HeadScores(Summaries(pairs, training: false).Last);

    /// <summary>A training pass over encoded pairs: each pair's summary state, with what <see cref="Backward"/> and <see cref="SummaryBackward"/> need.</summary>
    public CrossEncoderPass ForwardTraining(List<int[]> pairs) => Summaries(pairs, training: true);

    /// <summary>The backbone over the pairs and the state of each pair's summary token, [pairs, hidden].</summary>
    private CrossEncoderPass Summaries(List<int[]> pairs, bool training)
    {
        var encoded = _encoder.EncodeIds(pairs, training);
        int h = Backbone.HiddenSize;
        var states = new float[encoded.States.Length];
        Backbone.Kernels.CopyTo(encoded.States, states);
        var last = new float[pairs.Count * h];
        for (int i = 0; i < pairs.Count; i++) states.AsSpan(SummaryToken(encoded.Starts, i) * h, h).CopyTo(last.AsSpan(i * h, h));
        return new CrossEncoderPass(encoded, last);
    }

    /// <summary>s = w·h + b for each summary state h of <paramref name="summary"/> [pairs, hidden].</summary>
    public float[] HeadScores(float[] summary)
    {
        int h = Backbone.HiddenSize;
        var scores = new float[summary.Length / h];
        for (int i = 0; i < scores.Length; i++) scores[i] = System.Numerics.Tensors.TensorPrimitives.Dot(summary.AsSpan(i * h, h), HeadWeight.Value) + HeadBias.Value[0];
        return scores;
    }

    /// <summary>Adds the head's gradients for ∂L/∂s = <paramref name="dScores"/> (∂s/∂w = h, ∂s/∂b = 1) and returns ∂L/∂h = ∂L/∂s·w.</summary>
    public float[] HeadBackward(float[] summary, ReadOnlySpan<float> dScores)
    {
        int h = Backbone.HiddenSize;
        var dSummary = new float[summary.Length];
        for (int i = 0; i < dScores.Length; i++)
        {
            float g = dScores[i];
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(summary.AsSpan(i * h, h), g, HeadWeight.Grad, HeadWeight.Grad);
            HeadBias.Grad[0] += g;
            System.Numerics.Tensors.TensorPrimitives.Multiply(HeadWeight.Value, g, dSummary.AsSpan(i * h, h));
        }

        return dSummary;
    }

    /// <summary>Adds the gradients of a loss with ∂L/∂s = <paramref name="dScores"/> into the head and LoRA parameters.</summary>
    public void Backward(CrossEncoderPass pass, ReadOnlySpan<float> dScores) => SummaryBackward(pass, HeadBackward(pass.Last, dScores));

    /// <summary>Back-propagates ∂L/∂h of each pair's summary state (<see cref="IListStep"/>'s result) into the backbone's parameters.</summary>
    public void SummaryBackward(CrossEncoderPass pass, float[] dSummary)
    {
        int h = Backbone.HiddenSize;
        var dStates = new float[pass.Encoded.States.Length];
        for (int i = 0; i < dSummary.Length / h; i++) dSummary.AsSpan(i * h, h).CopyTo(dStates.AsSpan(SummaryToken(pass.Encoded.Starts, i) * h, h));
        var dTensor = Backbone.Kernels.Allocate(pass.Encoded.States.Shape);
        Backbone.Kernels.CopyFrom(dStates, dTensor);
        _encoder.Backward(pass.Encoded, dTensor);
    }

    /// <summary>The token of pair <paramref name="i"/> the head reads: the last of a causal backbone, else the first.</summary>
    private int SummaryToken(int[] starts, int i) => Backbone.IsCausal ? starts[i + 1] - 1 : starts[i];

    public void Dispose() => Backbone.Dispose();
}
