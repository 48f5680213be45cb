using System.Text.Json;
using D2LLM.Models.Prompts;

namespace D2LLM.Teacher;

/// <summary>A teacher prompt: the template and the words whose first tokens' logits are compared.</summary>
public sealed record TeacherPrompt(PromptTemplate Template, string YesWord, string NoWord)
{
    /// <summary>
    /// Built-in prompts. <c>d2llm-zh-sym</c> and <c>d2llm-zh-asym</c> are the exact strings of the D2LLM code
    /// (sts_template_v5, context_template_v5); the English ones follow the paper's figure; <c>qwen3-reranker</c> is
    /// the Qwen3-Reranker chat format with its default web-search instruction.
    /// </summary>
    public static IReadOnlyDictionary<string, TeacherPrompt> BuiltIn { get; } = new Dictionary<string, TeacherPrompt>
    {
        ["d2llm-zh-sym"] = new(new PromptTemplate(
            "#P和#H将分别描述一种事件或问题，它们可能并无关系。仅使用此描述和您对世界的了解，判断#H是不是一个关于#P中的事件绝对正确的句子，或者#H是不是绝对正确地描述了#P的事件或问题，请回答是或不是，若您不确定，请回答不是。\n#P：{query}\n#H：{passage}\n回答：",
            "d2llm-zh-sym"), "是", "不是"),
        ["d2llm-zh-asym"] = new(new PromptTemplate(
            "#Q将描述一个问题，#A将描述一个网络段落，它们可能并没有关系。仅依据这些描述和您对世界的了解，判断#A能不能正确地回答#Q中提出的问题，请回答能或不能。\n#Q：{query}\n#A：{passage}\n回答：",
            "d2llm-zh-asym"), "能", "不能"),
        ["d2llm-en-sym"] = new(new PromptTemplate(
            "#Q and #P will each describe an event or problem, they may not be related. Using only these descriptions and your knowledge of the world, judge whether #P is absolutely correct about the event in #Q, or whether #Q is absolutely correct about the event or problem in #P. Please answer yes or no; if you are unsure, answer no.\n#Q: {query}\n#P: {passage}\nAnswer:",
            "d2llm-en-sym"), "yes", "no"),
        ["d2llm-en-asym"] = new(new PromptTemplate(
            "#Q will describe a query, #P will describe a passage, they may not be related. Using only these descriptions and your knowledge of the world, judge whether #P can correctly answer the question asked in #Q. Please answer yes or no.\n#Q: {query}\n#P: {passage}\nAnswer:",
            "d2llm-en-asym"), "yes", "no"),
        ["qwen3-reranker"] = new(new PromptTemplate(
            "<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the Instruct provided. Note that the answer can only be \"yes\" or \"no\".<|im_end|>\n<|im_start|>user\n<Instruct>: Given a web search query, retrieve relevant passages that answer the query\n<Query>: {query}\n<Document>: {passage}<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
            "qwen3-reranker"), "yes", "no"),
    };

    /// <summary>A built-in prompt by name, or a one-line error listing the names.</summary>
    public static TeacherPrompt Named(string name) => BuiltIn.TryGetValue(name, out var prompt)
        ? prompt
        : throw new ArgumentException($"unknown built-in prompt '{name}' (built in: {string.Join(", ", BuiltIn.Keys)})", nameof(name));

    /// <summary>The file in a teacher folder that declares its prompt (the reference teachers' layout; finetune-teacher writes it).</summary>
    public const string FolderFile = "training.json";

    /// <summary>
    /// The prompt a teacher folder declares: string fields <c>template</c>, <c>yes</c> and <c>no</c> of its
    /// training.json; null when the file or a field is absent.
    /// </summary>
    public static TeacherPrompt? FromFolder(string teacherDir)
    {
        string path = Path.Combine(teacherDir, FolderFile);
        if (!File.Exists(path)) return null;
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(File.ReadAllText(path)).RootElement;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})");
        }

        string? Field(string field) => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(field, out var v)
            && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return Field("template") is { } template && Field("yes") is { } yes && Field("no") is { } no
            ? new TeacherPrompt(new PromptTemplate(template, path), yes, no)
            : null;
    }

    /// <summary>
    /// Declares this prompt in a teacher folder (what <see cref="FromFolder"/> reads): training.json holds
    /// <paramref name="provenance"/>'s fields plus template, yes and no; template.txt the template alone. Both are
    /// written atomically.
    /// </summary>
    public void Declare(string teacherDir, object provenance)
    {
        var declaration = JsonSerializer.SerializeToNode(provenance)!.AsObject();
        declaration["template"] = Template.Text;
        declaration["yes"] = YesWord;
        declaration["no"] = NoWord;
        ConfigFile.Save(declaration, teacherDir, FolderFile);
        string templatePath = Path.Combine(teacherDir, "template.txt");
        File.WriteAllText(templatePath + ".tmp", Template.Text);
        File.Move(templatePath + ".tmp", templatePath, overwrite: true);
    }
}
