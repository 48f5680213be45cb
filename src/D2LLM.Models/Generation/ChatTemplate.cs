using System.Text;
using System.Text.Json;
using D2LLM.Models.Tokenization;

namespace D2LLM.Models.Generation;

/// <summary>
/// The Qwen (ChatML) chat format, chosen by the <c>chat_template</c> of a model's tokenizer_config.json:
///   &lt;|im_start|&gt;ROLE\nCONTENT&lt;|im_end|&gt;\n  per turn, tool results as user turns wrapped in &lt;tool_response&gt;,
/// and with a generation prompt &lt;|im_start|&gt;assistant\n — for Qwen3 templates (they mention enable_thinking)
/// followed by an empty &lt;think&gt; block unless thinking is enabled. The template's own Jinja source is rendered
/// (<see cref="Jinja.JinjaTemplate"/>, as Hugging Face's apply_chat_template does, with enable_thinking passed explicitly),
/// so template details such as Qwen2.5's default system prompt come out exactly; a template the engine cannot run
/// falls back to the built-in ChatML rendering: earlier assistant turns lose their &lt;think&gt; part, tools as the Qwen
/// templates render them (a system turn with the signatures in &lt;tools&gt;, calls as &lt;tool_call&gt; JSON, results as
/// &lt;tool_response&gt;). Message contents are untrusted: special-token strings inside them encode as plain text.
/// </summary>
public sealed class ChatTemplate
{
    private readonly Jinja.JinjaTemplate? _jinja;

    private ChatTemplate(bool thinkingBlock, Jinja.JinjaTemplate? jinja)
    {
        HasThinking = thinkingBlock;
        _jinja = jinja;
    }

    /// <summary>True when the template's Jinja source is what renders prompts (false: the built-in ChatML fallback).</summary>
    public bool UsesJinja => _jinja is not null;

    /// <summary>True for Qwen3-style templates that know the enable_thinking switch.</summary>
    public bool HasThinking { get; }

    /// <summary>Reads the template of a model folder (tokenizer_config.json).</summary>
    public static ChatTemplate Load(string modelDirectory)
    {
        string path = Path.Combine(modelDirectory, "tokenizer_config.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: not found (the chat template lives there)", path);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        string template = doc.RootElement.TryGetProperty("chat_template", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "";
        if (!template.Contains("<|im_start|>", StringComparison.Ordinal))
            throw new NotSupportedException($"{path}: chat_template is {(template.Length == 0 ? "missing" : "not a ChatML (Qwen) template")}; only ChatML templates are supported");
        Jinja.JinjaTemplate? jinja;
        try
        {
            jinja = Jinja.JinjaTemplate.Parse(template);
        }
        catch (FormatException)
        {
            jinja = null;
        }

        return new ChatTemplate(template.Contains("enable_thinking", StringComparison.Ordinal), jinja);
    }

    /// <summary>A template from its ChatML-fallback form only (no Jinja source): for tests and templates the engine cannot run.</summary>
    public static ChatTemplate ChatMl(bool thinking) => new(thinking, null);

    /// <summary>The prompt text and the ranges of it that hold message contents.</summary>
    public (string Text, List<Range> Contents) Render(IReadOnlyList<ChatTurn> turns, bool addGenerationPrompt = true, bool enableThinking = false,
        IReadOnlyList<ChatTool>? tools = null)
    {
        if (_jinja is not null)
        {
            try
            {
                return RenderJinja(_jinja, turns, addGenerationPrompt, enableThinking, tools);
            }
            catch (FormatException)
            {
                // a construct the engine does not know: the built-in rendering below
            }
        }

        return RenderChatMl(turns, addGenerationPrompt, enableThinking, tools);
    }

    private static (string Text, List<Range> Contents) RenderJinja(Jinja.JinjaTemplate jinja, IReadOnlyList<ChatTurn> turns, bool addGenerationPrompt, bool enableThinking,
        IReadOnlyList<ChatTool>? tools)
    {
        var messages = turns.Select(t =>
        {
            var message = new Dictionary<string, object?> { ["role"] = t.Role, ["content"] = t.Content };
            if (t.ToolCalls is { Count: > 0 } calls)
                message["tool_calls"] = calls.Select(c => (object?)new Dictionary<string, object?>
                {
                    ["type"] = "function",
                    ["function"] = new Dictionary<string, object?> { ["name"] = c.Name, ["arguments"] = Jinja.JinjaValues.FromJson(c.Arguments) },
                }).ToList();
            return (object?)message;
        }).ToList();
        var variables = new Dictionary<string, object?>
        {
            ["messages"] = messages, ["add_generation_prompt"] = addGenerationPrompt, ["enable_thinking"] = enableThinking,
            ["bos_token"] = "", ["eos_token"] = "<|im_end|>",
        };
        if (tools is { Count: > 0 })
            variables["tools"] = tools.Select(t => (object?)new Dictionary<string, object?>
            {
                ["type"] = "function",
                ["function"] = new Dictionary<string, object?> { ["name"] = t.Name, ["description"] = t.Description, ["parameters"] = Jinja.JinjaValues.FromJson(t.Parameters) },
            }).ToList();
        string text = jinja.Render(variables);

        // The contents appear in message order: each found after the previous one is untrusted text.
        var contents = new List<Range>();
        int cursor = 0;
        foreach (var piece in turns.SelectMany(t => (t.ToolCalls ?? Array.Empty<ChatToolCall>()).Select(c => PythonJson.Dumps(c.Arguments)).Prepend(t.Content)))
        {
            if (piece.Length == 0) continue;
            int at = text.IndexOf(piece, cursor, StringComparison.Ordinal);
            if (at < 0) continue;
            contents.Add(at..(at + piece.Length));
            cursor = at + piece.Length;
        }

        return (text, contents);
    }

    private (string Text, List<Range> Contents) RenderChatMl(IReadOnlyList<ChatTurn> turns, bool addGenerationPrompt, bool enableThinking, IReadOnlyList<ChatTool>? tools)
    {
        var text = new StringBuilder();
        var contents = new List<Range>();
        void Content(string content)
        {
            int start = text.Length;
            text.Append(content);
            contents.Add(start..text.Length);
        }

        int lastUser = -1;
        for (int i = 0; i < turns.Count; i++)
            if (turns[i].Role == "user") lastUser = i;
        int start = 0;
        if (tools is { Count: > 0 })
        {
            // As the Qwen templates render tools: one system turn holding the system message (if first), then the
            // signatures and how to call them.
            text.Append("<|im_start|>system\n");
            if (turns.Count > 0 && turns[0].Role == "system")
            {
                Content(turns[0].Content);
                text.Append("\n\n");
                start = 1;
            }

            text.Append("# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>");
            foreach (var tool in tools)
            {
                var signature = JsonSerializer.SerializeToElement(new Dictionary<string, object>
                {
                    ["type"] = "function",
                    ["function"] = new Dictionary<string, object> { ["name"] = tool.Name, ["description"] = tool.Description, ["parameters"] = tool.Parameters },
                });
                text.Append('\n').Append(PythonJson.Dumps(signature));
            }

            text.Append("\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n");
        }

        for (int i = start; i < turns.Count; i++)
        {
            var (role, content) = (turns[i].Role, turns[i].Content);
            switch (role)
            {
                case "system" or "user":
                    text.Append("<|im_start|>").Append(role).Append('\n');
                    Content(content);
                    text.Append("<|im_end|>\n");
                    break;
                case "assistant":
                    // Qwen3: the reasoning of an answer after the last user query is kept in a <think> block (always
                    // for the final turn); earlier answers lose it.
                    string answer = content, reasoning = "";
                    int think = content.IndexOf("</think>", StringComparison.Ordinal);
                    if (HasThinking && think >= 0)
                    {
                        answer = content[(think + "</think>".Length)..].TrimStart('\n');
                        string before = content[..think].TrimEnd('\n');
                        int open = before.LastIndexOf("<think>", StringComparison.Ordinal);
                        reasoning = (open >= 0 ? before[(open + "<think>".Length)..] : before).TrimStart('\n');
                    }

                    text.Append("<|im_start|>assistant\n");
                    if (HasThinking && i > lastUser && (i == turns.Count - 1 || reasoning.Length > 0))
                    {
                        text.Append("<think>\n");
                        Content(reasoning.Trim('\n'));
                        text.Append("\n</think>\n\n");
                    }

                    Content(answer);
                    foreach (var (call, k) in (turns[i].ToolCalls ?? Array.Empty<ChatToolCall>()).Select((c, k) => (c, k)))
                    {
                        if (k > 0 || answer.Length > 0) text.Append('\n');
                        text.Append("<tool_call>\n{\"name\": \"").Append(call.Name).Append("\", \"arguments\": ");
                        Content(PythonJson.Dumps(call.Arguments));
                        text.Append("}\n</tool_call>");
                    }

                    text.Append("<|im_end|>\n");
                    break;
                case "tool":
                    bool first = i == 0 || turns[i - 1].Role != "tool", last = i == turns.Count - 1 || turns[i + 1].Role != "tool";
                    text.Append(first ? "<|im_start|>user" : "").Append("\n<tool_response>\n");
                    Content(content);
                    text.Append("\n</tool_response>").Append(last ? "<|im_end|>\n" : "");
                    break;
                default:
                    throw new ArgumentException($"unknown chat role '{role}' (system, user, assistant, tool)");
            }
        }

        if (addGenerationPrompt)
        {
            text.Append("<|im_start|>assistant\n");
            if (HasThinking && !enableThinking) text.Append("<think>\n\n</think>\n\n");
        }

        return (text.ToString(), contents);
    }

    /// <summary>Token ids of the rendered prompt; special tokens are recognised only outside message contents.</summary>
    public int[] Encode(ByteLevelBpeTokenizer tokenizer, IReadOnlyList<ChatTurn> turns, bool addGenerationPrompt = true, bool enableThinking = false,
        IReadOnlyList<ChatTool>? tools = null)
    {
        var (text, contents) = Render(turns, addGenerationPrompt, enableThinking, tools);
        return tokenizer.EncodePrompt(text, contents);
    }
}
