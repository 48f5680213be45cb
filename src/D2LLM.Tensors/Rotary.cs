namespace D2LLM.Tensors;

/// <summary>
/// What a rotary position embedding is: head width, the positions it covers and its base θ. Backends build their own
/// tables from it (the CPU one caches a <see cref="Kernels.Rope"/> per value), so models pass a description, not a buffer.
/// </summary>
public readonly record struct Rotary(int HeadDim, int MaxPositions, double Theta);
