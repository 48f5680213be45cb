namespace D2LLM.Cli.Commands.Bench;

/// <summary>The process's peak resident set, as Linux reports it: what the benchmarks print beside their speed.</summary>
internal static class PeakRss
{
    public static long Megabytes() => Megabytes(File.ReadLines("/proc/self/status"));

    /// <summary>The peak resident set (VmHWM) of a /proc status text, in MB: "VmHWM:\t  123456 kB" (the padding shrinks as the number grows).</summary>
    internal static long Megabytes(IEnumerable<string> status)
    {
        foreach (var line in status)
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line["VmHWM:".Length..].Trim().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture) / 1024;
        return -1;
    }
}
