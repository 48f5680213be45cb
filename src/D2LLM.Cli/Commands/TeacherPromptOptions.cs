using System.CommandLine;
using D2LLM.Teacher;

namespace D2LLM.Cli.Commands;

/// <summary>
/// How every command that names a teacher chooses its prompt (contracts.md): <c>--template NAME</c> or
/// <c>--template-file FILE --yes-token S --no-token S</c>.
/// </summary>
internal sealed class TeacherPromptOptions
{
    private readonly string? _defaultTemplate;

    public TeacherPromptOptions(string? defaultTemplate = null)
    {
        _defaultTemplate = defaultTemplate;
        Template = new Option<string?>("--template") { Description = $"built-in prompt: {string.Join(", ", TeacherPrompt.BuiltIn.Keys)}" + (defaultTemplate is null ? "" : $" (default {defaultTemplate})") };
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

    public TeacherPrompt Resolve(ParseResult r)
    {
        string? file = r.GetValue(TemplateFile);
        return TeacherPrompt.Resolve(r.GetValue(Template) ?? (file is null ? _defaultTemplate : null), file, r.GetValue(YesToken), r.GetValue(NoToken));
    }
}
