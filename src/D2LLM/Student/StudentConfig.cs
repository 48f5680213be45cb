using System.Text.Json.Serialization;

namespace D2LLM.Student;

/// <summary>
/// <c>student.json</c>: what a student folder needs to be loaded — its backbone (a path, relative to the folder
/// or absolute, and how many layers are used), the head sizes, the text length limit and where it came from.
/// </summary>
public sealed record StudentConfig
{
    public const string FileName = "student.json";
    public const string HeadsFile = "heads.safetensors";
    public const string LoraFile = "lora.safetensors";
    public const string FormatName = "d2llm-student";

    [JsonPropertyName("format")] public string Format { get; init; } = FormatName;
    [JsonPropertyName("version")] public int Version { get; init; } = 1;
    [JsonPropertyName("backbone")] public required string Backbone { get; init; }
    [JsonPropertyName("backbone_layers")] public int? BackboneLayers { get; init; }
    [JsonPropertyName("dim")] public required int Dim { get; init; }
    [JsonPropertyName("pma_heads")] public required int PmaHeads { get; init; }
    [JsonPropertyName("pma_variant")] public required string PmaVariant { get; init; }
    [JsonPropertyName("iem_hidden")] public required int IemHidden { get; init; }
    [JsonPropertyName("lora_rank")] public int? LoraRank { get; init; }
    [JsonPropertyName("lora_alpha")] public float? LoraAlpha { get; init; }
    [JsonPropertyName("task")] public string Task { get; init; } = "asymmetric";
    [JsonPropertyName("max_tokens")] public int MaxTokens { get; init; } = 250;
    [JsonPropertyName("provenance")] public Dictionary<string, object?> Provenance { get; init; } = new();

    public static StudentConfig Load(string directory) =>
        ConfigFile.Load<StudentConfig>(directory, FileName, FormatName, "student", c => c.Format, c => c.Version);

    public void Save(string directory) => ConfigFile.Save(this, directory, FileName);

    public HeadsOptions HeadsOptions() => new(Dim, PmaHeads, IemHidden,
        PmaVariant == "standard" ? Student.PmaVariant.Standard : Student.PmaVariant.Reference);

    public IemTask IemTask => Task == "symmetric" ? IemTask.Symmetric : IemTask.Asymmetric;
}
