using D2LLM.Models.Checkpoints;
using D2LLM.Models.Qwen;
using D2LLM.Tensors.Optim;
using D2LLM.Training;

namespace D2LLM.CrossEncoder;

/// <summary>
/// A cross-encoder student in the Rank-DistiLLM / monoELECTRA shape on a Qwen decoder: the backbone (with LoRA)
/// reads  query (≤ 32 tokens) + separator + passage (≤ 256 tokens) + end-of-text  and a linear head on the final
/// state of that last token gives the score,  s = w·h_last + b.  User text never yields special tokens. Training
/// changes the head and either LoRA adapters or, with <see cref="CrossEncoderConfig.Tuning"/> "full", every backbone
/// tensor (saved whole in the student folder).
/// Training: <see cref="Forward"/> keeps what <see cref="Backward"/> needs (∂s/∂h_last = w, ∂s/∂w = h_last, ∂s/∂b = 1);
/// memory stays bounded through the chunked <see cref="LoraEncoder"/>.
/// </summary>
public sealed class CrossEncoderModel : IDisposable, Retrieval.IPassageScorer
{
    private readonly LoraEncoder _encoder;
    private readonly IReadOnlyList<Parameter>? _backboneParameters;
    private readonly int _endId;

    private CrossEncoderModel(CrossEncoderConfig config, QwenModel backbone, int seed)
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
        _endId = backbone.Config.EosTokenIds.Count > 0 ? backbone.Config.EosTokenIds[0] : backbone.Encode("\n")[^1];
    }

    public CrossEncoderConfig Config { get; }
    public QwenModel Backbone { get; }
    public Parameter HeadWeight { get; }
    public Parameter HeadBias { get; }

    /// <summary>The head, then the LoRA adapters or (full tuning) the backbone's tensors.</summary>
    public IEnumerable<Parameter> Parameters => new[] { HeadWeight, HeadBias }.Concat(BackboneParameters);

    private IEnumerable<Parameter> BackboneParameters => _backboneParameters ?? Backbone.LoraParameters();

    private string BackboneFile => Config.FullTuning ? CrossEncoderConfig.BackboneFile : CrossEncoderConfig.LoraFile;

    /// <summary>A fresh cross-encoder on a backbone (LoRA B = 0, a small random head).</summary>
    public static CrossEncoderModel Create(QwenModel backbone, CrossEncoderConfig config, int seed = 7) => new(config, backbone, seed);

    public static CrossEncoderModel Load(string directory)
    {
        var config = CrossEncoderConfig.Load(directory);
        string backbonePath = Path.IsPathRooted(config.Backbone) ? config.Backbone : Path.GetFullPath(Path.Combine(directory, config.Backbone));
        var backbone = QwenModel.Load(backbonePath, new QwenLoadOptions { Layers = config.BackboneLayers });
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

    /// <summary>Token ids of a pair: truncated query, separator, truncated passage, end-of-text.</summary>
    public int[] EncodePair(string query, string passage)
    {
        var q = Backbone.EncodeUntrusted(query, Config.QueryTokens);
        var p = Backbone.EncodeUntrusted(passage, Config.PassageTokens);
        return q.Concat(Backbone.Encode(Config.Separator, allowSpecialTokens: false)).Concat(p).Append(_endId).ToArray();
    }

    /// <summary>Seeds the LoRA dropout of a training step from the step number (exact resume).</summary>
    public void BeginStep(int step) => _encoder.BeginStep(step);

    /// <summary>Scores of one query against passages (inference).</summary>
    public float[] Score(string query, IReadOnlyList<string> passages) => Forward(passages.Select(p => EncodePair(query, p)).ToList(), training: false).Scores;

    /// <summary>Scores of encoded pairs; with <paramref name="training"/>, the state for <see cref="Backward"/>.</summary>
    public (float[] Scores, CrossEncoderPass? Pass) Forward(List<int[]> pairs, bool training)
    {
        var encoded = _encoder.EncodeIds(pairs, training);
        int h = Backbone.HiddenSize;
        var states = new float[encoded.States.Length];
        Backbone.Kernels.CopyTo(encoded.States, states);
        var scores = new float[pairs.Count];
        var last = new float[pairs.Count * h];
        for (int i = 0; i < pairs.Count; i++)
        {
            var row = states.AsSpan((encoded.Starts[i + 1] - 1) * h, h);
            row.CopyTo(last.AsSpan(i * h, h));
            scores[i] = System.Numerics.Tensors.TensorPrimitives.Dot(row, HeadWeight.Value) + HeadBias.Value[0];
        }

        return (scores, training ? new CrossEncoderPass(encoded, last) : null);
    }

    /// <summary>Adds the gradients of a loss with ∂L/∂s = <paramref name="dScores"/> into the head and LoRA parameters.</summary>
    public void Backward(CrossEncoderPass pass, ReadOnlySpan<float> dScores)
    {
        int h = Backbone.HiddenSize;
        var dStates = new float[pass.Encoded.States.Length];
        for (int i = 0; i < dScores.Length; i++)
        {
            float g = dScores[i];
            var lastRow = pass.Last.AsSpan(i * h, h);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(lastRow, g, HeadWeight.Grad, HeadWeight.Grad);
            HeadBias.Grad[0] += g;
            System.Numerics.Tensors.TensorPrimitives.Multiply(HeadWeight.Value, g, dStates.AsSpan((pass.Encoded.Starts[i + 1] - 1) * h, h));
        }

        var dTensor = Backbone.Kernels.Allocate(pass.Encoded.States.Shape);
        Backbone.Kernels.CopyFrom(dStates, dTensor);
        _encoder.Backward(pass.Encoded, dTensor);
    }

    public void Dispose() => Backbone.Dispose();
}
