using System.CommandLine;

namespace D2LLM.Cli.Commands.Bench;

/// <summary><c>d2llm bench ...</c>: throughput benchmarks whose last stdout line is one JSON object.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks; progress on stderr, one JSON object as the last line on stdout.");
        bench.Subcommands.Add(BenchGemm.Create());
        bench.Subcommands.Add(BenchForward.Create());
        bench.Subcommands.Add(BenchTrain.Create());
        bench.Subcommands.Add(BenchTokenizer.Create());
        bench.Subcommands.Add(BenchEmbed.Create());
        bench.Subcommands.Add(BenchSearch.Create());
        bench.Subcommands.Add(BenchRerank.Create());
        return bench;
    }
}
