using System.Collections.Concurrent;
using D2LLM.CrossEncoder;
using D2LLM.Models;
using D2LLM.Student;

namespace D2LLM.SemanticKernel;

/// <summary>
/// The models a service provider has loaded, one per folder and kind, so that the embedding generator, the reranker
/// and the chat client registered for one folder share one copy in memory. Disposed (with the models) by the container.
/// </summary>
internal sealed class LoadedModels : IDisposable
{
    private readonly ConcurrentDictionary<(string, Type), Lazy<IDisposable>> _models = new();

    public StudentModel Student(string directory) => Get(directory, d => StudentModel.Load(d));

    public IDecoder Decoder(string directory) => Get(directory, d => Backbones.LoadDecoder(d));

    /// <summary>A plain model for embeddings: an encoder, or the decoder the chat client shares.</summary>
    public IBackbone Backbone(string directory) => Backbones.IsEncoder(directory) ? Get(directory, d => Backbones.Load(d)) : Decoder(directory);

    public CrossEncoderModel CrossEncoder(string directory) => Get(directory, CrossEncoderModel.Load);

    public void Dispose()
    {
        foreach (var model in _models.Values.Where(m => m.IsValueCreated)) model.Value.Dispose();
        _models.Clear();
    }

    private T Get<T>(string directory, Func<string, T> load)
        where T : IDisposable =>
        (T)_models.GetOrAdd((Path.GetFullPath(directory), typeof(T)), key => new Lazy<IDisposable>(() => load(key.Item1))).Value;
}
