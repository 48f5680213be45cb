namespace D2LLM.SemanticKernel;

/// <summary>
/// One caller at a time on a model (a forward pass already uses every core), and a close that waits for the running
/// caller: a model's weights may be memory-mapped, and releasing them under a forward pass would crash the process.
/// Calls that come after the close, or were waiting for it, throw ObjectDisposedException naming the owner.
/// </summary>
internal sealed class ModelTurns(object owner)
{
    private readonly SemaphoreSlim _turn = new(1, 1);
    private bool _closed;

    public async Task<T> RunAsync<T>(Func<T> body, CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_closed, owner);
            return body();
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>Runs <paramref name="release"/> (if any) once, when no call is running.</summary>
    public void Close(Action? release)
    {
        _turn.Wait();
        try
        {
            if (_closed) return;
            _closed = true;
            release?.Invoke();
        }
        finally
        {
            _turn.Release();
        }
    }
}
