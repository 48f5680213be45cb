using System.Text.Json;
using D2LLM.Tensors;

namespace D2LLM.Models.Checkpoints;

/// <summary>
/// The weights of a Hugging Face model folder: <c>model.safetensors</c>, or the shards named by
/// <c>model.safetensors.index.json</c>. Tensors are looked up by name across shards and read in place.
/// </summary>
public sealed class Checkpoint : IDisposable
{
    public const string SingleFile = "model.safetensors";
    public const string IndexFile = "model.safetensors.index.json";

    private readonly List<SafetensorsFile> _files = new();
    private readonly Dictionary<string, SafetensorsFile> _byTensor = new(StringComparer.Ordinal);

    private Checkpoint(string directory) => Directory = directory;

    public string Directory { get; }
    public IEnumerable<TensorInfo> Tensors => _files.SelectMany(f => f.Tensors);

    public static Checkpoint Open(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: model folder not found");
        var checkpoint = new Checkpoint(directory);
        try
        {
            string index = Path.Combine(directory, IndexFile);
            if (File.Exists(index)) checkpoint.OpenShards(index);
            else if (File.Exists(Path.Combine(directory, SingleFile))) checkpoint.Add(SafetensorsFile.Open(Path.Combine(directory, SingleFile)));
            else throw new FileNotFoundException($"{directory}: neither {SingleFile} nor {IndexFile} is there");
            return checkpoint;
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => _byTensor.ContainsKey(name);

    public TensorInfo Info(string name) => FileOf(name).Info(name);

    public ReadOnlySpan<T> Span<T>(string name) where T : unmanaged => FileOf(name).Span<T>(name);

    public float[] ReadFloats(string name) => FileOf(name).ReadFloats(name);

    /// <summary>The tensor in place, in its stored dtype, valid while the checkpoint is open.</summary>
    public Weight Weight(string name) => FileOf(name).Weight(name);

    /// <summary>
    /// The tensor's info after checking its shape and that its values are finite; a mismatch names the file, tensor and
    /// both shapes, a NaN or infinity the file and tensor.
    /// </summary>
    public TensorInfo Expect(string name, params int[] shape)
    {
        var info = Info(name);
        var file = FileOf(name);
        if (!info.Shape.SequenceEqual(shape))
            throw new InvalidDataException($"{file.Path}: tensor '{name}' has shape {info.ShapeText}, expected [{string.Join(", ", shape)}]");
        if (!file.IsFinite(name)) throw new InvalidDataException($"{file.Path}: tensor '{name}' holds NaN or infinite values (a damaged or diverged checkpoint)");
        return info;
    }

    public void Dispose()
    {
        foreach (var f in _files) f.Dispose();
        _files.Clear();
    }

    private SafetensorsFile FileOf(string name) =>
        _byTensor.TryGetValue(name, out var file) ? file : throw new InvalidDataException($"{Directory}: missing tensor '{name}'");

    private void OpenShards(string index)
    {
        JsonElement weightMap;
        try
        {
            using var doc = JsonDocument.Parse(System.IO.File.ReadAllText(index));
            if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{index}: no \"weight_map\" object");
            weightMap = map.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{index}: not valid JSON ({e.Message})");
        }

        var shards = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        foreach (var entry in weightMap.EnumerateObject())
        {
            string shard = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString()! : throw new InvalidDataException($"{index}: tensor '{entry.Name}' maps to {entry.Value.GetRawText()}, not a file name");
            if (!shards.TryGetValue(shard, out var file))
            {
                string shardPath = Path.Combine(Directory, shard);
                if (!System.IO.File.Exists(shardPath))
                    throw new FileNotFoundException($"{index}: shard '{shard}' (holding '{entry.Name}') is missing", shardPath);
                file = SafetensorsFile.Open(shardPath);
                shards[shard] = file;
                Add(file);
            }

            if (!file.Contains(entry.Name))
                throw new InvalidDataException($"{index}: tensor '{entry.Name}' is mapped to '{shard}', which does not hold it");
        }
    }

    private void Add(SafetensorsFile file)
    {
        _files.Add(file);
        foreach (var t in file.Tensors)
        {
            if (!_byTensor.TryAdd(t.Name, file))
                throw new InvalidDataException($"{Directory}: tensor '{t.Name}' appears in both {Path.GetFileName(_byTensor[t.Name].Path)} and {Path.GetFileName(file.Path)}");
        }
    }
}
