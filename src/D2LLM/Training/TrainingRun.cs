using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace D2LLM.Training;

/// <summary>
/// What a training checkpoint belongs to: the options that shape the run (as JSON) and a digest of its data and of
/// the parameters being trained. Limits that do not change what each step does (a time budget, a step limit, the
/// checkpoint cadence) are left out, so a resumed run may be given more time. A checkpoint of another run is refused
/// by name, never resumed silently.
/// </summary>
public sealed record TrainingRun(string Options, string Data)
{
    /// <summary>
    /// The run of <paramref name="options"/> (public properties, less those named in <paramref name="free"/>) over
    /// <paramref name="data"/> (every text and number a step reads, in order) training <paramref name="parameters"/>.
    /// </summary>
    public static TrainingRun Of(object options, IEnumerable<string> data, IEnumerable<Tensors.Optim.Parameter> parameters, params string[] free)
    {
        var node = JsonSerializer.SerializeToNode(options, options.GetType())!.AsObject();
        foreach (var name in free) node.Remove(name);
        var hash = new XxHash128();
        foreach (var text in data.Concat(parameters.Select(p => $"{p.Name}[{string.Join(',', p.Shape)}]")))
        {
            hash.Append(Encoding.UTF8.GetBytes(text));
            hash.Append([0]);
        }

        return new TrainingRun(node.ToJsonString(), Convert.ToHexStringLower(hash.GetCurrentHash()));
    }

    /// <summary>What differs from the run a checkpoint recorded, in words; null when nothing does.</summary>
    public string? Difference(TrainingRun stored)
    {
        var parts = new List<string>();
        if (Data != stored.Data) parts.Add("the training data or the trained parameters differ");
        if (Options != stored.Options)
        {
            var now = JsonNode.Parse(Options)!.AsObject();
            var then = JsonNode.Parse(stored.Options)!.AsObject();
            foreach (var name in now.Select(p => p.Key).Union(then.Select(p => p.Key)))
            {
                string? a = now[name]?.ToJsonString(), b = then[name]?.ToJsonString();
                if (a != b) parts.Add($"{name} {b ?? "unset"} there, {a ?? "unset"} now");
            }
        }

        return parts.Count == 0 ? null : string.Join("; ", parts);
    }
}
