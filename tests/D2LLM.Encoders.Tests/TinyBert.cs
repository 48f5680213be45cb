using D2LLM.Models.Bert;
using D2LLM.Models.Checkpoints;

namespace D2LLM.Encoders.Tests;

/// <summary>A BERT folder of a tiny shape with random float32 weights and a ten-word vocabulary, written to a scratch directory.</summary>
internal sealed class TinyBert : IDisposable
{
    public static readonly BertConfig Shape = new() { HiddenSize = 8, IntermediateSize = 16, NumLayers = 2, NumHeads = 2, VocabSize = 16, MaxPositions = 32 };

    /// <param name="seed">the weights' random seed</param>
    /// <param name="wordScale">the word embeddings' range (past float32's, to make a model that overflows)</param>
    public TinyBert(int seed, double wordScale = 1)
    {
        Directory.CreateDirectory(Path);
        var rng = new Random(seed);
        float[] Random(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();
        float[] NearOne(int n) => Enumerable.Range(0, n).Select(_ => 1 + (float)((rng.NextDouble() * 2 - 1) * 0.2)).ToArray();
        int h = Shape.HiddenSize, inter = Shape.IntermediateSize;
        var entries = new List<SafetensorsEntry>
        {
            SafetensorsEntry.FromFloats("embeddings.word_embeddings.weight", [Shape.VocabSize, h], Random(Shape.VocabSize * h, wordScale)),
            SafetensorsEntry.FromFloats("embeddings.position_embeddings.weight", [Shape.MaxPositions, h], Random(Shape.MaxPositions * h, 0.5)),
            SafetensorsEntry.FromFloats("embeddings.token_type_embeddings.weight", [2, h], Random(2 * h, 0.5)),
            SafetensorsEntry.FromFloats("embeddings.LayerNorm.weight", [h], NearOne(h)),
            SafetensorsEntry.FromFloats("embeddings.LayerNorm.bias", [h], Random(h, 0.1)),
        };
        for (int i = 0; i < Shape.NumLayers; i++)
        {
            string p = $"encoder.layer.{i}.";
            foreach (var (name, rows, cols) in new[] { ("attention.self.query", h, h), ("attention.self.key", h, h), ("attention.self.value", h, h),
                         ("attention.output.dense", h, h), ("intermediate.dense", inter, h), ("output.dense", h, inter) })
            {
                entries.Add(SafetensorsEntry.FromFloats(p + name + ".weight", [rows, cols], Random(rows * cols, 1 / Math.Sqrt(cols))));
                entries.Add(SafetensorsEntry.FromFloats(p + name + ".bias", [rows], Random(rows, 0.1)));
            }

            foreach (var norm in new[] { "attention.output.LayerNorm", "output.LayerNorm" })
            {
                entries.Add(SafetensorsEntry.FromFloats(p + norm + ".weight", [h], NearOne(h)));
                entries.Add(SafetensorsEntry.FromFloats(p + norm + ".bias", [h], Random(h, 0.1)));
            }
        }

        SafetensorsWriter.Write(System.IO.Path.Combine(Path, Checkpoint.SingleFile), entries);
        File.WriteAllText(System.IO.Path.Combine(Path, "config.json"), Shape.ToJson());
        File.WriteAllLines(System.IO.Path.Combine(Path, "vocab.txt"),
            ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "gradients", "flow", "through", "the", "encoder", "##s", "back", "pair", "of", "texts", "."]);
    }

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"d2llm-tiny-bert-{Guid.NewGuid():N}");

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
