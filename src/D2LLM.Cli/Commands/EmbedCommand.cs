using System.CommandLine;
using D2LLM.Models;
using D2LLM.Retrieval;
using D2LLM.Data;

namespace D2LLM.Cli.Commands;

/// <summary><c>d2llm embed --model DIR [--pooling last|mean]</c>: {"text"} lines in, {"embedding"} lines out.</summary>
internal static class EmbedCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var pooling = new Option<string?>("--pooling") { Description = "last | mean | cls over the text's final hidden states (default: last for a decoder; an encoder folder's declared pooling)" };
        var input = CommonOptions.Input();
        var output = CommonOptions.Output();
        var batchTokens = CommonOptions.BatchTokens();
        var special = new Option<string?>("--special-tokens")
        {
            Description = "control (plain models' default: special-token strings such as <|im_end|> in a text are the control tokens, as in `tokenize` "
                + "and Hugging Face tokenizers) | text (read as plain text, as index, search, score and student folders always do)",
        };
        var cmd = new Command("embed", "One embedding per {\"text\": ...} line: the model's pooled final hidden states.")
        {
            model, pooling, input, output, batchTokens, special,
        };
        var device = new DeviceOption();
        device.AddTo(cmd);
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            var mode = FlagChoice.Pooling(r.GetValue(pooling));
            bool control = FlagChoice.Parse("--special-tokens", "reading", r.GetValue(special) ?? "control", ("control", true), ("text", false));
            if (ModelFolder.EmbeddingKindOf(r.GetValue(model)!) is ModelFolderKind.Student or ModelFolderKind.Encoder)
            {
                if (r.GetValue(special) == "control") throw new ArgumentException("--special-tokens: student and encoder folders read special-token strings as text (as the embedding generator does); drop the option");
                using var encoder = ModelFolder.OpenEncoder(r.GetValue(model)!, mode, (d, o) => device.Load(r, d, o));
                return EmbedWithEncoder(encoder, r.GetValue(input), r.GetValue(output), r.GetValue(batchTokens));
            }

            using var backboneModel = device.Load(r, r.GetValue(model)!);
            using var lines = new JsonLines(r.GetValue(input), r.GetValue(output));
            var (withControl, firstControl) = (0, (string?)null);
            var texts = lines.Read().Select(l => (l.Line, Ids: InputIds.Encode(backboneModel, lines, l.Json, l.Line, "text", control)));
            foreach (var batch in TokenBudget.Batches(texts, t => t.Ids.Length, r.GetValue(batchTokens)))
            {
                var tokens = TokenBatch.Pack(batch.Select(t => t.Ids).ToList());
                var pooled = backboneModel.Embed(tokens, mode ?? PoolingMode.Last);
                for (int b = 0; b < batch.Count; b++) lines.Write(new { embedding = Finite(pooled.AsSpan(b * backboneModel.HiddenSize, backboneModel.HiddenSize), lines.Source, batch[b].Line) });
                foreach (var (line, ids) in batch.Where(t => control && t.Ids.Any(backboneModel.SpecialTokenIds.Contains)))
                    (withControl, firstControl) = (withControl + 1, firstControl ?? $"{lines.Source}:{line}");
            }

            lines.Complete();
            // The contract reads them as control tokens; index, search and students read them as text: say so.
            if (withControl > 0)
                Console.Error.WriteLine($"warning: {withControl} text{(withControl == 1 ? "" : "s")} held special-token strings (first: {firstControl}), embedded as control tokens as `tokenize` reads them; "
                    + "index, search and students read them as text: --special-tokens text embeds them that way");
            return 0;
        }));
        return cmd;
    }

    /// <summary>A student folder embeds with its own pooling (PMA; --pooling does not apply), an encoder folder as it declares (or --pooling).</summary>
    private static int EmbedWithEncoder(IDenseEncoder student, string? input, string? output, int batchTokens)
    {
        using var lines = new JsonLines(input, output);
        var truncated = new LongTextWarning("text");
        var texts = lines.Read().Select(l =>
        {
            string text = lines.RequireString(l.Json, l.Line, "text");
            var ids = text.Length > 0 ? student.Tokenize(text) : throw new DataLineException(lines.Source, l.Line, "field \"text\" is empty");
            if (ids.Length > student.MaxTokens) truncated.Add($"{lines.Source}:{l.Line}");
            return (l.Line, Ids: ids);
        });
        foreach (var batch in TokenBudget.Batches(texts, t => Math.Min(t.Ids.Length, student.MaxTokens), batchTokens))
        {
            var vectors = student.EmbedTokens(batch.Select(t => t.Ids).ToList());
            for (int b = 0; b < batch.Count; b++) lines.Write(new { embedding = Finite(vectors.AsSpan(b * student.Dimensions, student.Dimensions), lines.Source, batch[b].Line) });
        }

        lines.Complete();
        truncated.Print(student.MaxTokens);
        return 0;
    }

    /// <summary>The embedding as written, or an error naming the text's line when the model overflowed (JSON has no infinity or NaN).</summary>
    private static float[] Finite(ReadOnlySpan<float> embedding, string source, int line) =>
        float.IsFinite(System.Numerics.Tensors.TensorPrimitives.Sum(embedding)) ? embedding.ToArray()
            : throw new DataLineException(source, line, "the model's embedding of this text is not finite (the model overflowed)");
}
