using System.Text;

namespace D2LLM.Models.Generation.Jinja;

/// <summary>A piece of template source: literal text, an output tag's expression, or a statement tag's body.</summary>
internal enum ChunkKind
{
    Text,
    Output,
    Statement,
}

internal sealed record Chunk(ChunkKind Kind, string Source);

/// <summary>
/// Splits Jinja source into text, {{ output }} and {% statement %} chunks, applying whitespace control as Hugging Face's
/// chat-template environment does: "-" trims whitespace on that side, trim_blocks drops the first newline after a
/// statement tag, lstrip_blocks drops spaces and tabs before a statement tag at the start of its line. Comments go.
/// </summary>
internal static class JinjaLexer
{
    public static List<Chunk> Split(string source)
    {
        var chunks = new List<Chunk>();
        var text = new StringBuilder();
        int i = 0;
        bool trimNext = false, dropNewline = false;
        while (i < source.Length)
        {
            int open = NextTag(source, i);
            string literal = source[i..(open < 0 ? source.Length : open)];
            if (trimNext) literal = literal.TrimStart();
            else if (dropNewline && literal.StartsWith('\n')) literal = literal[1..];
            (trimNext, dropNewline) = (false, false);
            if (open < 0)
            {
                text.Append(literal);
                break;
            }

            char kind = source[open + 1];
            string end = kind switch { '{' => "}}", '%' => "%}", _ => "#}" };
            int close = Close(source, open + 2, end);
            if (close < 0) throw new FormatException($"chat template: unclosed tag at offset {open}");
            string inner = source[(open + 2)..close];
            bool trimBefore = inner.StartsWith('-'), trimAfter = inner.EndsWith('-');
            if (trimBefore) literal = literal.TrimEnd();
            else if (kind != '{' && !inner.StartsWith('+'))
            {
                // lstrip_blocks: only spaces/tabs between the line start and the tag are removed.
                int lineStart = literal.LastIndexOf('\n') + 1;
                if (literal[lineStart..].All(c => c is ' ' or '\t')) literal = literal[..lineStart];
            }

            text.Append(literal);
            if (text.Length > 0) chunks.Add(new Chunk(ChunkKind.Text, text.ToString()));
            text.Clear();
            string body = inner.Trim('-', '+').Trim();
            if (kind == '{') chunks.Add(new Chunk(ChunkKind.Output, body));
            else if (kind == '%') chunks.Add(new Chunk(ChunkKind.Statement, body));
            trimNext = trimAfter;
            dropNewline = kind != '{' && !trimAfter; // trim_blocks
            i = close + 2;
        }

        if (text.Length > 0) chunks.Add(new Chunk(ChunkKind.Text, text.ToString()));
        return chunks;
    }

    /// <summary>Where a tag ends, skipping string literals (which may hold "}}" or "%}").</summary>
    private static int Close(string s, int from, string end)
    {
        char quote = '\0';
        for (int i = from; i < s.Length - 1; i++)
        {
            char c = s[i];
            if (quote != '\0')
            {
                if (c == '\\') i++;
                else if (c == quote) quote = '\0';
            }
            else if (c is '\'' or '"' && end != "#}") quote = c;
            else if (c == end[0] && s[i + 1] == end[1]) return i;
        }

        return -1;
    }

    private static int NextTag(string s, int from)
    {
        for (int i = s.IndexOf('{', from); i >= 0 && i + 1 < s.Length; i = s.IndexOf('{', i + 1))
            if (s[i + 1] is '{' or '%' or '#') return i;
        return -1;
    }
}
