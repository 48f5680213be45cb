using System.CommandLine;
using D2LLM.Models;
using D2LLM.Models.Tokenization;

namespace D2LLM.Cli.Commands;

/// <summary><c>d2llm tokenize --model DIR</c>: {"text"} lines in, {"ids"} lines out; no special tokens added.</summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var input = CommonOptions.Input();
        var output = CommonOptions.Output();
        var cmd = new Command("tokenize", "Token ids of each {\"text\": ...} line (special-token strings are recognised, none are added).")
        {
            model, input, output,
        };
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            // A BERT folder (vocab.txt) tokenizes with WordPiece; every other folder with its tokenizer.json.
            Func<string, int[]> encode;
            if (Backbones.IsEncoder(r.GetValue(model)!))
            {
                var wordPiece = WordPieceTokenizer.Load(r.GetValue(model)!);
                encode = text => wordPiece.Encode(text, allowSpecialTokens: true);
            }
            else
            {
                var bpe = ByteLevelBpeTokenizer.Load(r.GetValue(model)!);
                encode = text => bpe.Encode(text);
            }
            using var lines = new JsonLines(r.GetValue(input), r.GetValue(output));
            foreach (var (line, json) in lines.Read())
                lines.Write(new { ids = encode(lines.RequireString(json, line, "text")) });
            lines.Complete();
            return 0;
        }));
        return cmd;
    }
}
