using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;

namespace D2LLM.Cli.Commands.Bench;

/// <summary><c>d2llm bench tokenizer</c>: tokenizer throughput on one thread (first, cold and warm passes).</summary>
internal static class BenchTokenizer
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "folder with tokenizer.json", Required = true };
        var input = new Option<string>("--input") { Description = "{\"text\"} JSON Lines (a BEIR corpus.jsonl) or a pair file (.tsv: both sentences of each pair)", Required = true };
        var cmd = new Command("tokenizer", """
            Tokenizer throughput on one thread, in MB/s of UTF-8 and tokens/s, over the texts: the first pass in the
            process (the code not yet compiled: what a short-lived command sees); after 2 s of cold passes that let the
            runtime compile the hot code fully, a cold pass (the cache of pre-token merges emptied first: the figure
            for a corpus encoded once; mb_per_s); then a warm pass (every pre-token cached).
            """)
        {
            model, input,
        };
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            string path = r.GetValue(input)!;
            var texts = path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)
                ? File.ReadLines(path).Where(x => x.Length > 0).Select(x => System.Text.Json.Nodes.JsonNode.Parse(x)!["text"]!.GetValue<string>()).ToList()
                : Data.PairFile.Read(path).SelectMany(p => new[] { p.Text1, p.Text2 }).ToList();
            long bytes = texts.Sum(t => (long)System.Text.Encoding.UTF8.GetByteCount(t));
            long tokens = 0;
            double Pass(Models.Tokenization.ByteLevelBpeTokenizer tokenizer)
            {
                var clock = Stopwatch.StartNew();
                tokens = 0;
                foreach (var text in texts) tokens += tokenizer.Encode(text).Length;
                return clock.Elapsed.TotalSeconds;
            }

            var tokenizer = Models.Tokenization.ByteLevelBpeTokenizer.Load(r.GetValue(model)!);
            double first = Pass(tokenizer);
            // Cold passes until the runtime has compiled the hot code fully (tiering needs calls and time), then the measured one.
            for (var warming = Stopwatch.StartNew(); warming.Elapsed < TimeSpan.FromSeconds(2);)
            {
                tokenizer.ClearCache();
                Pass(tokenizer);
            }

            tokenizer.ClearCache();
            double cold = Pass(tokenizer), warm = Pass(tokenizer);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                benchmark = "tokenizer", texts = texts.Count, mb = Math.Round(bytes / 1e6, 2), tokens,
                mb_per_s = Math.Round(bytes / 1e6 / cold, 2), tokens_per_s = Math.Round(tokens / cold),
                first_pass_mb_per_s = Math.Round(bytes / 1e6 / first, 2), warm_mb_per_s = Math.Round(bytes / 1e6 / warm, 2), cpu = CpuModel.Name,
            }));
            return 0;
        }));
        return cmd;
    }
}
