using System.Text.Json;

namespace D2LLM;

/// <summary>The JSON config file of a model folder (student, cross-encoder): read with format and version checked, written atomically.</summary>
internal static class ConfigFile
{
    public static T Load<T>(string directory, string fileName, string formatName, string folderKind, Func<T, string> format, Func<T, int> version)
        where T : class
    {
        string path = Path.Combine(directory, fileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: not a {folderKind} folder (no {fileName})", path);
        T? config;
        try
        {
            config = JsonSerializer.Deserialize<T>(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid {folderKind} config ({e.Message})");
        }

        if (config is null || format(config) != formatName) throw new InvalidDataException($"{path}: format is not '{formatName}'");
        if (version(config) != 1) throw new InvalidDataException($"{path}: version {version(config)} is not supported (1)");
        return config;
    }

    public static void Save<T>(T config, string directory, string fileName)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, fileName);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(config, new JsonSerializerOptions { WriteIndented = true }));
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
