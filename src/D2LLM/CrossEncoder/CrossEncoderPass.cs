using D2LLM.Training;

namespace D2LLM.CrossEncoder;

/// <summary>What a training forward of the cross-encoder leaves for its backward pass.</summary>
public sealed record CrossEncoderPass(EncodedTexts Encoded, float[] Last);
