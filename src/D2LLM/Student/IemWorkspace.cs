using D2LLM.Tensors;

namespace D2LLM.Student;

/// <summary>
/// Buffers an IEM keeps between inference calls (a reranker scoring the same number of candidates per query allocates
/// nothing after its first call). One caller at a time.
/// </summary>
public sealed class IemWorkspace
{
    private readonly Buffer[] _slots = Enumerable.Range(0, 7).Select(_ => new Buffer()).ToArray();

    internal Buffer Slot(int index) => _slots[index];

    /// <summary>One reusable tensor.</summary>
    internal sealed class Buffer
    {
        public Tensor? Tensor { get; set; }
    }
}
