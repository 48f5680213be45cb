using System.Runtime.ExceptionServices;

namespace D2LLM.Tensors.Threading;

/// <summary>
/// Persistent worker threads that run one data-parallel region at a time (OpenMP-style), so kernels never
/// create threads per call. The calling thread takes part. A region started from inside a region, or while
/// another caller holds the pool, runs inline on the calling thread: concurrent callers stay correct and
/// each still gets one core.
/// </summary>
public sealed class WorkerPool : IDisposable
{
    private static readonly Lazy<WorkerPool> SharedPool = new(() => new WorkerPool(Environment.ProcessorCount));

    [ThreadStatic] private static bool t_inRegion;

    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _wake;
    private readonly object _gate = new();
    private Action<int>? _body;
    private int _parts;
    private int _next;
    private int _running;
    private Exception? _error;
    private volatile bool _disposed;

    public WorkerPool(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        Size = size;
        _threads = new Thread[size - 1];
        _wake = new SemaphoreSlim[size - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            _wake[i] = new SemaphoreSlim(0);
            int index = i;
            _threads[i] = new Thread(() => WorkerLoop(index)) { IsBackground = true, Name = $"d2llm-worker-{i + 1}" };
            _threads[i].Start();
        }
    }

    /// <summary>The process-wide pool, one participant per logical processor.</summary>
    public static WorkerPool Shared => SharedPool.Value;

    /// <summary>Number of participants, the caller included.</summary>
    public int Size { get; }

    /// <summary>Runs <paramref name="body"/>(i) for every i in [0, parts), spread over the pool; returns when all are done.</summary>
    public void Run(int parts, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (parts <= 0) return;
        if (parts == 1 || Size == 1 || t_inRegion || !Monitor.TryEnter(_gate))
        {
            for (int i = 0; i < parts; i++) body(i);
            return;
        }

        try
        {
            _body = body;
            _parts = parts;
            _next = 0;
            _error = null;
            int helpers = Math.Min(parts, Size) - 1;
            _running = helpers;
            for (int i = 0; i < helpers; i++) _wake[i].Release();

            t_inRegion = true;
            try { Drain(); }
            finally { t_inRegion = false; }

            var spin = new SpinWait();
            while (Volatile.Read(ref _running) > 0) spin.SpinOnce(sleep1Threshold: -1);
            _body = null;
            if (_error is { } error) ExceptionDispatchInfo.Capture(error).Throw();
        }
        finally
        {
            Monitor.Exit(_gate);
        }
    }

    private void Drain()
    {
        var body = _body!;
        int i;
        while ((i = Interlocked.Increment(ref _next) - 1) < _parts)
        {
            try { body(i); }
            catch (Exception e) { Interlocked.CompareExchange(ref _error, e, null); }
        }
    }

    private void WorkerLoop(int index)
    {
        t_inRegion = true;
        while (true)
        {
            _wake[index].Wait();
            if (_disposed) return;
            Drain();
            Interlocked.Decrement(ref _running);
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var wake in _wake) wake.Release();
        foreach (var thread in _threads) thread.Join();
        foreach (var wake in _wake) wake.Dispose();
    }
}
