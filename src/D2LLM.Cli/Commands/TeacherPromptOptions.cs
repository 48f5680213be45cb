using System.CommandLine;
using D2LLM.Teacher;

namespace D2LLM.Cli.Commands;

/// <summary>
/// How every command that names a teacher chooses its prompt (contracts.md): <c>--template NAME</c> or
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
            : TeacherPrompt.Resolve(name ?? (file is null ? defaultTemplate ?? _defaultTemplate : null), file, yes, no);
        Console.Error.WriteLine($"teacher prompt: {prompt.Template.Source} (yes '{prompt.YesWord}', no '{prompt.NoWord}')");
        return prompt;
    }
}
