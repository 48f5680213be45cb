namespace D2LLM.Cli;

/// <summary>
/// Collects the texts a command embedded from their first tokens only (longer than the model's window) and says so
/// once, at the end, on stderr: how many, the first one, and what to do about it.
/// </summary>
internal sealed class LongTextWarning(string noun)
{
    private int _count;
    private string? _first;

    /// <summary>Notes one truncated text, named by <paramref name="culprit"/> (an id, or file:line).</summary>
    public void Add(string culprit)
    {
        _count++;
        _first ??= culprit;
    }

    public void Print(int window)
    {
        if (_count > 0) Print(noun, window, _count, _first!);
    }

    /// <summary>The warning for <paramref name="count"/> long texts, the first named by <paramref name="first"/>.</summary>
    public static void Print(string noun, int window, int count, string first) =>
        Console.Error.WriteLine($"warning: {count} {noun}{(count == 1 ? " is" : "s are")} longer than the model's {window}-token window and "
            + $"{(count == 1 ? "was" : "were")} embedded from the first {window} tokens only (first: {first}); split long texts into passages to search all of them");
}
