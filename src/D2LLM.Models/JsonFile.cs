using System.Text.Json;

namespace D2LLM.Models;

/// <summary>A model folder's JSON files read with one error for a damaged one: "PATH: not valid JSON (why)".</summary>
internal static class JsonFile
{
    public static JsonDocument Parse(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})");
        }
    }
}
