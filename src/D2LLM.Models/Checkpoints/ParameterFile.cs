using D2LLM.Tensors.Optim;

namespace D2LLM.Models.Checkpoints;

/// <summary>Trainable parameters saved as float32 safetensors under their names, and read back with shapes checked.</summary>
public static class ParameterFile
{
    public static void Write(string path, IEnumerable<Parameter> parameters) =>
        SafetensorsWriter.Write(path, parameters.Select(p => SafetensorsEntry.FromFloats(p.Name, p.Shape, p.Value)));

    public static void Read(string path, IEnumerable<Parameter> parameters)
    {
        using var file = SafetensorsFile.Open(path);
        foreach (var p in parameters)
        {
            if (!file.Contains(p.Name)) throw new InvalidDataException($"{path}: missing tensor '{p.Name}'");
            var info = file.Info(p.Name);
            if (!info.Shape.SequenceEqual(p.Shape))
                throw new InvalidDataException($"{path}: tensor '{p.Name}' has shape {info.ShapeText}, expected [{string.Join(", ", p.Shape)}]");
            file.ReadFloats(p.Name).CopyTo(p.Value, 0);
        }
    }
}
