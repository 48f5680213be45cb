using System.Text.Json;
using System.Text.Json.Serialization;

namespace D2LLM.Teacher;

/// <summary>
/// What a teacher's outputs depend on, so that stored judgements or rankings are reused only for the same teacher:
/// the digest of its weights (not its folder's name: weights changed in place are a different teacher, a moved
/// folder is not), the prompt, the answer words and the temperature.
/// </summary>
public sealed record TeacherIdentity(
    [property: JsonPropertyName("weights")] string Weights,
    [property: JsonPropertyName("prompt")] string Prompt,
    [property: JsonPropertyName("words")] string Words,
    [property: JsonPropertyName("temperature")] float Temperature)
{
    /// <summary>The identity of a yes/no judge.</summary>
    public static TeacherIdentity Of(TeacherModel teacher) =>
        new(teacher.WeightsDigest, teacher.Prompt.Template.Text, $"{teacher.Prompt.YesWord}/{teacher.Prompt.NoWord}", teacher.Temperature);

    /// <summary>One line of JSON, as store headers hold it.</summary>
    public string ToJson() => JsonSerializer.Serialize(this);

    /// <summary>Reads <see cref="ToJson"/>'s line; null when it is not one.</summary>
    public static TeacherIdentity? FromJson(string? line)
    {
        if (string.IsNullOrEmpty(line)) return null;
        try
        {
            var identity = JsonSerializer.Deserialize<TeacherIdentity>(line);
            return identity is { Weights: not null, Prompt: not null, Words: not null } ? identity : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>What differs from <paramref name="other"/>, in words ("its weights changed (digest a… now b…)"); null when nothing does.</summary>
    public string? Difference(TeacherIdentity other)
    {
        var parts = new List<string>();
        if (Weights != other.Weights) parts.Add($"the teacher's weights differ (digest {Short(other.Weights)} there, {Short(Weights)} now)");
        if (Prompt != other.Prompt) parts.Add("the prompt differs");
        if (Words != other.Words) parts.Add($"the answer words differ ({other.Words} there, {Words} now)");
        if (!Temperature.Equals(other.Temperature)) parts.Add($"the temperature differs ({other.Temperature} there, {Temperature} now)");
        return parts.Count == 0 ? null : string.Join(", ", parts);

        static string Short(string digest) => digest.Length > 12 ? digest[..12] : digest;
    }
}
