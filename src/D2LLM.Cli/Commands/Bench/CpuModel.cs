namespace D2LLM.Cli.Commands.Bench;

/// <summary>
/// The processor a benchmark ran on, printed beside its figures: the machines behind these sessions differ (an AMD EPYC
/// one day, an Intel Xeon with AMX another), and a ratio means little without the machine.
/// </summary>
internal static class CpuModel
{
    public static string Name { get; } = Read();

    private static string Read()
    {
        const string path = "/proc/cpuinfo";
        if (!File.Exists(path)) return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line is null ? "unknown" : line[(line.IndexOf(':') + 1)..].Trim();
    }
}
