using D2LLM.Models;

namespace D2LLM.Cli.Commands;

/// <summary>A flag whose value is one of a few names: read into its meaning, with one error that lists the names.</summary>
internal static class FlagChoice
{
    /// <summary>The value <paramref name="given"/> names; else "FLAG: unknown NOUN 'given' (a, b, c)".</summary>
    public static T Parse<T>(string flag, string noun, string given, params (string Name, T Value)[] choices)
    {
        foreach (var (name, value) in choices)
            if (name == given) return value;
        throw new ArgumentException($"{flag}: unknown {noun} '{given}' ({string.Join(", ", choices.Select(c => c.Name))})");
    }

    /// <summary>--pooling of a plain model: last | mean | cls; not given (null): as the model's folder declares.</summary>
    public static PoolingMode? Pooling(string? given) =>
        given is null ? null : Parse("--pooling", "mode", given, ("last", PoolingMode.Last), ("mean", PoolingMode.Mean), ("cls", PoolingMode.First));
}
