namespace D2LLM.Tensors.Gemm;

/// <summary>
/// A tile kernel's entry point: tile[32 × 32] = Σ over steps of 16 k-pairs, A as <see cref="AmxTileKernel.PackA"/> lays
/// it out, B 128 bytes a k-pair. <c>emulator</c> is what the kernel's software twin in the tests calls for each tile instruction; null for
/// the hardware's, which ignores it.
/// </summary>
internal readonly unsafe struct TileKernel
{
    private readonly delegate* unmanaged<long, uint*, uint*, float*, void*, void> _entry;
    private readonly void* _emulator;

    public TileKernel(delegate* unmanaged<long, uint*, uint*, float*, void*, void> entry, void* emulator)
    {
        _entry = entry;
        _emulator = emulator;
    }

    public void Run(long steps, uint* a, uint* b, float* tile) => _entry(steps, a, b, tile, _emulator);
}
