using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace D2LLM.Cli.Commands.Eval;

/// <summary>How <c>eval</c> shows its figures: a table on stderr, the JSON on stdout and in --output.</summary>
internal static class EvalOutput
{
    /// <summary>
    /// Adds the headline figures (the model's own: its reranking, else its dense retrieval, else BM25) and every column
    /// to <paramref name="result"/>, rounded to 5 places, and prints.
    /// </summary>
    public static void Print(Dictionary<string, object> result, IReadOnlyDictionary<string, Dictionary<string, double>> columns, string? outputPath)
    {
        string headline = new[] { "model", "dense", "bm25" }.First(columns.ContainsKey);
        foreach (var (key, value) in columns[headline]) result[key] = Math.Round(value, 5);
        result["columns"] = columns.ToDictionary(c => c.Key, c => c.Value.ToDictionary(e => e.Key, e => Math.Round(e.Value, 5)));
        var table = new Table().AddColumn("metric");
        foreach (var column in columns.Keys) table.AddColumn(new TableColumn(column).RightAligned());
        foreach (var metric in columns["bm25"].Keys)
            table.AddRow(new[] { metric }.Concat(columns.Values.Select(c => c[metric].ToString("F4", CultureInfo.InvariantCulture))).ToArray());
        AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }).Write(table);
        string json = JsonSerializer.Serialize(result);
        if (outputPath is not null) OutputFile.WriteAllText(outputPath, json);
        Console.WriteLine(json);
    }
}
