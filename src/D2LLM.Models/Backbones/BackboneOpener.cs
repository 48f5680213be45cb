namespace D2LLM.Models;

/// <summary>
/// Opens a model folder as a backbone with the given load options: <see cref="Backbones.Load"/> (the CPU engine), or
/// another backend's loader (the CLI's <c>--device</c> passes libtorch's).
/// </summary>
public delegate IBackbone BackboneOpener(string directory, ModelLoadOptions? options);
