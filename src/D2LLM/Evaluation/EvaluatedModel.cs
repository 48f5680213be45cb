using D2LLM.CrossEncoder;
using D2LLM.Data;
using D2LLM.Models;
using D2LLM.Retrieval;
using D2LLM.Student;

namespace D2LLM.Evaluation;

/// <summary>
/// The model under evaluation, whatever its kind: <c>bm25</c> (no neural model), a student folder (PMA embeddings,
/// IEM scores), a cross-encoder folder (pair scores only) or a plain model folder (a Qwen decoder or a BERT-family encoder: pooled states, cosine). Gives an
/// encoder for dense retrieval and scorers for reranking and for pairs.
/// </summary>
public sealed class EvaluatedModel : IDisposable
{
    private readonly StudentModel? _student;
    private readonly CrossEncoderModel? _crossEncoder;

    /// <param name="name"><c>bm25</c>, or a model folder</param>
    /// <param name="pooling">how a plain model's states are pooled (null: as its folder declares, else mean)</param>
    /// <param name="openBackbone">opens a plain model's or a student's backbone (default <see cref="Backbones.Load"/>; a GPU backend passes its own)</param>
    public EvaluatedModel(string name, PoolingMode? pooling = null, BackboneOpener? openBackbone = null)
    {
        Name = name;
        if (name == "bm25") return;
        switch (ModelFolder.KindOf(name))
        {
            case ModelFolderKind.CrossEncoder:
                _crossEncoder = CrossEncoderModel.Load(name);
                break;
            case ModelFolderKind.Student:
                _student = StudentModel.Load(name, openBackbone);
                Encoder = _student;
                break;
            default:
                Encoder = ModelFolder.OpenEncoder(name, pooling, openBackbone);
                break;
        }
    }

    public string Name { get; }
    /// <summary>The embedding side (null for BM25 and for a cross-encoder, which only scores pairs).</summary>
    public IDenseEncoder? Encoder { get; }

    public bool IsBm25 => Encoder is null && _crossEncoder is null;

    /// <summary>Scores of one query against candidate texts: IEM logits for a student, cosine for a plain model, the cross-encoder's score.</summary>
    public double[] Rerank(string query, IReadOnlyList<string> candidates)
    {
        if (((IPassageScorer?)_crossEncoder ?? _student) is { } scorer) return scorer.Score(query, candidates).Select(x => (double)x).ToArray();
        return Encoder!.Cosines(query, candidates);
    }

    /// <summary>Scores of aligned pairs (text1 with text2).</summary>
    public double[] ScorePairs(IReadOnlyList<TextPair> pairs)
    {
        if (_crossEncoder is not null)
            return _crossEncoder.Forward(pairs.Select(p => _crossEncoder.EncodePair(p.Text1, p.Text2)).ToList()).Select(x => (double)x).ToArray();
        var first = Encoder!.Embed(pairs.Select(p => p.Text1).ToList());
        var second = Encoder.Embed(pairs.Select(p => p.Text2).ToList());
        if (_student is not null) return _student.ScorePairs(first, second).Select(x => (double)x).ToArray();
        int d = Encoder.Dimensions;
        return Enumerable.Range(0, pairs.Count)
            .Select(i => (double)System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(first.AsSpan(i * d, d), second.AsSpan(i * d, d))).ToArray();
    }

    public void Dispose()
    {
        Encoder?.Dispose(); // the student, or the pooled decoder it owns
        _crossEncoder?.Dispose();
    }
}
