using System.CommandLine;

namespace D2LLM.Cli.Commands;

/// <summary>Options shared by several commands, so they read the same everywhere.</summary>
internal static class CommonOptions
{
    public static Option<string> Model() => new("--model") { Description = "model folder (Hugging Face layout, or a student folder)", Required = true };

    public static Option<string?> Input() => new("--input") { Description = "JSON Lines input file (default: standard input)" };

    public static Option<int> BatchTokens() => new("--batch-tokens") { Description = "tokens per forward pass", DefaultValueFactory = _ => 8192 };

    /// <summary>--force: write into an --out folder that holds files d2llm did not write, or another command's output.</summary>
    public static Option<bool> Force() => new("--force") { Description = "write into an --out folder that holds other files or another command's output" };

    public static Option<string?> Output() => new("--output") { Description = "JSON Lines output file (default: standard output)" };
}
