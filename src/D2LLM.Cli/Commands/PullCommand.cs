using System.CommandLine;
using D2LLM.Models.Hub;

namespace D2LLM.Cli.Commands;

/// <summary>
/// <c>d2llm pull REPO_ID [--revision R] [--out DIR]</c>: a model folder from the Hugging Face Hub (HF_ENDPOINT,
/// HF_TOKEN honoured), resumable and checksum-verified.
/// </summary>
internal static class PullCommand
{
    public static Command Create()
    {
        var repo = new Argument<string>("repo") { Description = "Hub repository id, e.g. Qwen/Qwen3-0.6B" };
        var revision = new Option<string>("--revision") { Description = "branch, tag or commit", DefaultValueFactory = _ => "main" };
        var output = new Option<string?>("--out") { Description = "target folder (default: models/OWNER--NAME)" };
        var include = new Option<string[]>("--include") { Description = "only files matching these globs (default: all but weights in non-safetensors formats)", AllowMultipleArgumentsPerToken = true };
        var cmd = new Command("pull", """
            Download a model folder from the Hugging Face Hub. Files are fetched at the revision's commit, resumed after an
            interruption (rerun the command), checked against the Hub's SHA-256 / git blob ids and moved into place only when
            they match; files already present and correct are skipped. HF_TOKEN is sent for gated or private repositories;
            HF_ENDPOINT selects a mirror.
            """)
        {
            repo, revision, output, include,
        };
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            string id = r.GetValue(repo)!;
            string dir = r.GetValue(output) ?? Path.Combine("models", id.Replace("/", "--"));
            var options = new HubOptions();
            if (r.GetValue(include) is { Length: > 0 } patterns) options.Include = patterns;
            using var hub = new HubDownloader(options);
            string commit = "";
            ProgressDisplay.Run($"pull {id} (MB)", report =>
                commit = hub.DownloadAsync(id, r.GetValue(revision)!, dir,
                    new Progress<(long Done, long Total)>(p => report((int)(p.Done >> 20), (int)(p.Total >> 20)))).GetAwaiter().GetResult());
            Console.Error.WriteLine($"{id}@{commit} is in {dir}");
            Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new { repo = id, revision = r.GetValue(revision), commit, path = Path.GetFullPath(dir) }));
            return 0;
        }));
        return cmd;
    }
}
