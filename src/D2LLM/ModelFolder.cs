using D2LLM.CrossEncoder;
using D2LLM.Models;
using D2LLM.Retrieval;
using D2LLM.Student;

namespace D2LLM;

/// <summary>
/// The one place that tells what kind of model a folder holds and opens it: a student, a cross-encoder, or a Hugging
/// Face decoder or encoder, and a one-line error naming the folder for anything else.
/// </summary>
public static class ModelFolder
{
    /// <summary>The kind of model in <paramref name="directory"/>, by the file that declares it.</summary>
    public static ModelFolderKind KindOf(string directory)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException(File.Exists(directory) ? $"{directory}: a file, not a model folder" : $"{directory}: model folder not found");
        if (File.Exists(Path.Combine(directory, StudentConfig.FileName))) return ModelFolderKind.Student;
        if (File.Exists(Path.Combine(directory, CrossEncoderConfig.FileName))) return ModelFolderKind.CrossEncoder;
        if (File.Exists(Path.Combine(directory, "config.json"))) return Backbones.IsEncoder(directory) ? ModelFolderKind.Encoder : ModelFolderKind.Decoder;
        throw new InvalidDataException($"{directory}: not a model folder (no {StudentConfig.FileName} of a student, {CrossEncoderConfig.FileName} of a cross-encoder, "
            + "or config.json of a Hugging Face model)");
    }

    /// <summary>
    /// An embedding model for the folder, which disposing it releases: a student (PMA embeddings), or a plain model whose
    /// states are pooled by <paramref name="pooling"/>, else as the folder declares (<see cref="PooledEncoder.ForFolder"/>).
    /// A cross-encoder has no embeddings and is refused. <paramref name="openBackbone"/> opens the backbone, a student's
    /// too (default <see cref="Backbones.Load"/>; a GPU backend passes its own).
    /// </summary>
    public static IDenseEncoder OpenEncoder(string directory, PoolingMode? pooling = null, BackboneOpener? openBackbone = null) =>
        EmbeddingKindOf(directory) == ModelFolderKind.Student
            ? StudentModel.Load(directory, openBackbone)
            : PooledEncoder.ForFolder((openBackbone ?? Backbones.Load)(directory, null), pooling);

    /// <summary>The kind of a folder asked for embeddings: a student or a decoder; a cross-encoder (which has none) is an error naming it.</summary>
    public static ModelFolderKind EmbeddingKindOf(string directory) => KindOf(directory) switch
    {
        ModelFolderKind.CrossEncoder => throw new InvalidDataException($"{directory}: a cross-encoder scores (query, passage) pairs and has no embeddings; give a student or a Hugging Face model"),
        var kind => kind,
    };
}
