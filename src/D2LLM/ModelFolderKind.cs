namespace D2LLM;

/// <summary>What a model folder holds (<see cref="ModelFolder.KindOf"/>).</summary>
public enum ModelFolderKind
{
    /// <summary>A Hugging Face decoder (Qwen2/Qwen3 config.json and safetensors): embeds by pooling, judges as a teacher.</summary>
    Decoder,

    /// <summary>A Hugging Face BERT-family encoder (model_type bert, vocab.txt): embeds by pooling as its folder declares; a student backbone.</summary>
    Encoder,

    /// <summary>A D2LLM student (student.json): embeds with PMA, scores pairs with IEM.</summary>
    Student,

    /// <summary>A Rank-DistiLLM cross-encoder (cross-encoder.json): scores (query, passage) pairs only.</summary>
    CrossEncoder,
}
