using D2LLM.Models.Tokenization;

namespace D2LLM.Models.Prompts;

/// <summary>
/// A teacher prompt with <c>{query}</c> and <c>{passage}</c> placeholders, used verbatim (a final newline is part of
/// it). The filled prompt is encoded as one string; special tokens count only in the template's own text, so a
/// passage containing <c>&lt;|im_end|&gt;</c> cannot break out of it.
/// </summary>
public sealed class PromptTemplate
{
    public const string QueryField = "{query}";
    public const string PassageField = "{passage}";

    public PromptTemplate(string text, string source = "template")
    {
        if (!text.Contains(QueryField, StringComparison.Ordinal))
            throw new InvalidDataException($"{source}: the template has no {QueryField} placeholder");
        Text = text;
        Source = source;
    }

    public string Text { get; }
    public string Source { get; }

    public static PromptTemplate Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        return new PromptTemplate(File.ReadAllText(path), path);
    }

    /// <summary>The filled prompt and the character ranges that hold user text.</summary>
    public (string Prompt, List<Range> UserText) Fill(string query, string passage)
    {
        var builder = new System.Text.StringBuilder();
        var user = new List<Range>();
        int i = 0;
        while (i < Text.Length)
        {
            int q = Text.IndexOf(QueryField, i, StringComparison.Ordinal);
            int p = Text.IndexOf(PassageField, i, StringComparison.Ordinal);
            int next = q < 0 ? p : p < 0 ? q : Math.Min(q, p);
            if (next < 0)
            {
                builder.Append(Text, i, Text.Length - i);
                break;
            }

            builder.Append(Text, i, next - i);
            bool isQuery = next == q;
            string value = isQuery ? query : passage;
            user.Add(builder.Length..(builder.Length + value.Length));
            builder.Append(value);
            i = next + (isQuery ? QueryField.Length : PassageField.Length);
        }

        return (builder.ToString(), user);
    }

    public int[] Encode(ByteLevelBpeTokenizer tokenizer, string query, string passage)
    {
        var (prompt, user) = Fill(query, passage);
        return tokenizer.EncodePrompt(prompt, user);
    }
}
