using System.CommandLine;
using D2LLM.Teacher;

namespace D2LLM.Cli.Commands;

/// <summary>
/// How every command that names a teacher chooses its prompt (docs/contracts.md): <c>--template NAME</c> or
/// <c>--template-file FILE --yes-token S --no-token S</c>; without them, the prompt the teacher folder declares (a
/// teacher is best judged with the prompt it was trained on), else the command's default.
/// </summary>
internal sealed class TeacherPromptOptions
{
    private readonly string? _defaultTemplate;

    public TeacherPromptOptions(string? defaultTemplate = null)
    {
        _defaultTemplate = defaultTemplate;
        Template = new Option<string?>("--template") { Description = $"built-in prompt: {string.Join(", ", TeacherPrompt.BuiltIn.Keys)}"
            + $"; default: the teacher folder's own prompt ({TeacherPrompt.FolderFile}: template, yes, no){(defaultTemplate is null ? "" : $", else {defaultTemplate}")}" };
        TemplateFile = new Option<string?>("--template-file") { Description = "prompt with {query} and {passage}, used verbatim" };
        YesToken = new Option<string?>("--yes-token") { Description = "the 'yes' word; its first token's logit is read" };
        NoToken = new Option<string?>("--no-token") { Description = "the 'no' word; its first token's logit is read" };
    }

    public Option<string?> Template { get; }
    public Option<string?> TemplateFile { get; }
    public Option<string?> YesToken { get; }
    public Option<string?> NoToken { get; }

    public void AddTo(Command command)
    {
        command.Options.Add(Template);
        command.Options.Add(TemplateFile);
        command.Options.Add(YesToken);
        command.Options.Add(NoToken);
    }

    /// <summary>
    /// The prompt the options name; else the one <paramref name="teacherDir"/> declares; else
    /// <paramref name="defaultTemplate"/> (when the data decides), else the command's default. Says which on stderr.
    /// </summary>
    public TeacherPrompt Resolve(ParseResult r, string teacherDir, string? defaultTemplate = null)
    {
        string? name = r.GetValue(Template), file = r.GetValue(TemplateFile), yes = r.GetValue(YesToken), no = r.GetValue(NoToken);
        var prompt = name is null && file is null && TeacherPrompt.FromFolder(teacherDir) is { } declared
            ? declared with { YesWord = yes ?? declared.YesWord, NoWord = no ?? declared.NoWord }
            : Chosen(name ?? (file is null ? defaultTemplate ?? _defaultTemplate : null), file, yes, no);
        Console.Error.WriteLine($"teacher prompt: {prompt.Template.Source} (yes '{prompt.YesWord}', no '{prompt.NoWord}')");
        return prompt;
    }

    /// <summary>The prompt from either a built-in name or a template file plus yes/no words, with errors in the flags' terms.</summary>
    private static TeacherPrompt Chosen(string? name, string? file, string? yes, string? no)
    {
        if (name is not null && file is not null) throw new ArgumentException("give --template or --template-file, not both");
        if (name is not null)
        {
            var builtIn = TeacherPrompt.BuiltIn.TryGetValue(name, out var found)
                ? found
                : throw new ArgumentException($"--template: unknown template '{name}' (built in: {string.Join(", ", TeacherPrompt.BuiltIn.Keys)})");
            return builtIn with { YesWord = yes ?? builtIn.YesWord, NoWord = no ?? builtIn.NoWord };
        }

        if (file is null) throw new ArgumentException("a teacher prompt is needed: --template NAME or --template-file FILE");
        if (yes is null || no is null) throw new ArgumentException("--template-file needs --yes-token and --no-token");
        return new TeacherPrompt(D2LLM.Models.Prompts.PromptTemplate.Load(file), yes, no);
    }
}
