namespace D2LLM.Cli;

/// <summary>
/// Runs a command body and turns user mistakes (bad files, bad arguments, bad data) into the one-line error and
/// non-zero exit code the CLI contract asks for (with <c>--verbose</c>, followed by the trace); anything else is a bug
/// and keeps its stack trace.
/// </summary>
internal static class CommandRunner
{
    /// <summary>Whether the command line asked for traces (<c>--verbose</c>).</summary>
    public static bool Verbose { get; set; }

    public static int Run(Func<int> body) => RunAsync(() => Task.FromResult(body())).GetAwaiter().GetResult(); // synchronous body: already complete

    /// <summary>The asynchronous form, for commands whose body awaits (System.CommandLine's async actions).</summary>
    public static async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (IsUserError(e))
        {
            Console.Error.WriteLine($"error: {e.Message}");
            if (Verbose) Console.Error.WriteLine(e);
            return 2;
        }
    }

    private static bool IsUserError(Exception e) =>
        e is IOException or InvalidDataException or Data.DataLineException or ArgumentException or FormatException or NotSupportedException
            or System.Text.Json.JsonException or Models.Hub.HubException or Microsoft.Extensions.VectorData.VectorStoreException;
}
