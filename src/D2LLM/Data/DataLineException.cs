namespace D2LLM.Data;

/// <summary>
/// A line of a data file that cannot be read (bad JSON, a missing or empty field, an unknown id, damaged bytes): the
/// culprit's file and 1-based line travel with the exception, and the message starts with "FILE:LINE: ". Every
/// reader of line-based data throws this one type for a bad line; whole-file problems stay InvalidDataException.
/// </summary>
public sealed class DataLineException : Exception
{
    public DataLineException(string source, int line, string problem, Exception? inner = null)
        : base($"{source}:{line}: {problem}", inner)
    {
        File = source;
        Line = line;
        Problem = problem;
    }

    /// <summary>The file (or "stdin") the line came from.</summary>
    public string File { get; }

    /// <summary>The 1-based line number.</summary>
    public int Line { get; }

    /// <summary>What is wrong with the line, without its location.</summary>
    public string Problem { get; }
}
