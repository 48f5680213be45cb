using Microsoft.Extensions.AI;

namespace D2LLM.SemanticKernel;

/// <summary>
/// An answer as it streams: text is sent as it grows (decoded from all tokens so far, so multi-token characters arrive
/// whole), but from the first "&lt;tool_call&gt;" on (and any tail that may be its start) it is held back; at the end,
/// calls come out as FunctionCallContent, and held-back text that was not a well-formed call is sent as text.
/// </summary>
internal sealed class StreamedAnswer(string forced)
{
    private string _sent = "";

    /// <summary>The text to send now, given all the text decoded so far (null: nothing new to send).</summary>
    public string? Add(string decoded)
    {
        string text = forced + decoded;
        if (text.EndsWith('\uFFFD') || !text.StartsWith(_sent, StringComparison.Ordinal)) return null;
        int safe = SafeLength(text);
        if (safe <= _sent.Length) return null;
        string delta = text[_sent.Length..safe];
        _sent = text[..safe];
        return delta;
    }

    /// <summary>The text not yet sent and the calls, given the whole generated text.</summary>
    public (string Remaining, List<FunctionCallContent> Calls) Finish(string generated)
    {
        var contents = QwenChatClient.ParseAnswer(forced + generated);
        var calls = contents.OfType<FunctionCallContent>().ToList();
        string full = calls.Count > 0 ? (contents.FirstOrDefault() as TextContent)?.Text ?? "" : forced + generated;
        return (full.StartsWith(_sent, StringComparison.Ordinal) ? full[_sent.Length..] : "", calls);
    }

    /// <summary>How much can be shown: all of it up to a "&lt;tool_call&gt;", or up to a tail that may become one.</summary>
    private static int SafeLength(string text)
    {
        int open = text.IndexOf(QwenChatClient.CallOpen, StringComparison.Ordinal);
        if (open >= 0) return open;
        for (int n = Math.Min(QwenChatClient.CallOpen.Length - 1, text.Length); n > 0; n--)
            if (text.EndsWith(QwenChatClient.CallOpen[..n], StringComparison.Ordinal)) return text.Length - n;
        return text.Length;
    }
}
