using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace D2LLM.Models.Onnx;

/// <summary>Files a .NET assembly carries as embedded resources, read from the file without loading it.</summary>
public static class AssemblyResources
{
    /// <summary>The bytes of the one resource whose name ends with <paramref name="suffix"/>.</summary>
    public static byte[] Read(string assemblyPath, string suffix)
    {
        if (!File.Exists(assemblyPath)) throw new FileNotFoundException($"{assemblyPath}: file not found", assemblyPath);
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        if (!pe.HasMetadata || pe.PEHeaders.CorHeader is null) throw new InvalidDataException($"{assemblyPath}: not a .NET assembly");
        var metadata = pe.GetMetadataReader();
        var names = metadata.ManifestResources.Select(h => (Handle: h, Resource: metadata.GetManifestResource(h))).ToList();
        var match = names.Where(n => metadata.GetString(n.Resource.Name).EndsWith(suffix, StringComparison.Ordinal)).ToList();
        if (match.Count != 1)
            throw new InvalidDataException($"{assemblyPath}: {match.Count} resources end with '{suffix}' (it has: {string.Join(", ", names.Select(n => metadata.GetString(n.Resource.Name)))})");
        // Embedded resources sit in the CLI header's resources directory, each as a 4-byte length and its bytes.
        var section = pe.GetSectionData(pe.PEHeaders.CorHeader.ResourcesDirectory.RelativeVirtualAddress);
        var reader = section.GetReader((int)match[0].Resource.Offset, section.Length - (int)match[0].Resource.Offset);
        int length = reader.ReadInt32();
        return reader.ReadBytes(length);
    }
}
