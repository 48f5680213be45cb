using System.Runtime.CompilerServices;
using System.Threading.Channels;
using D2LLM.Models.Generation;
using D2LLM.Models.Qwen;
using Microsoft.Extensions.AI;

namespace D2LLM.SemanticKernel;

/// <summary>
/// <c>IChatClient</c> over a local Qwen: messages rendered with the model's ChatML chat template (message text is
/// untrusted: it cannot open or close turns), KV-cached decoding, greedy or sampled per ChatOptions (Temperature,
/// TopP, Seed, MaxOutputTokens, StopSequences), streaming token by token, usage counted by the tokenizer. Calls take
/// turns on the model. Tools in the options are rendered as the Qwen templates do, and &lt;tool_call&gt; JSON in the
/// answer comes back as FunctionCallContent (finish reason ToolCalls); function results go back as tool messages.
/// The caller runs the tools (an agent loop); the model decides when to call them.
/// </summary>
public sealed class QwenChatClient : IChatClient
{
    private readonly QwenModel _model;
    private readonly ChatTemplate _template;
    private readonly TextGenerator _generator;
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly bool _ownsModel;

    public QwenChatClient(QwenModel model, string? modelId = null, bool ownsModel = false)
    {
        _model = model;
        _template = ChatTemplate.Load(model.Directory ?? throw new ArgumentException("the chat client needs a model loaded from a folder (its chat template)"));
        _generator = new TextGenerator(model);
        _ownsModel = ownsModel;
        Metadata = new ChatClientMetadata("d2llm", null, modelId ?? Path.GetFileName(model.Directory.TrimEnd('/')));
    }

    public ChatClientMetadata Metadata { get; }

    /// <summary>Tokens generated when the options do not say (MaxOutputTokens).</summary>
    public int DefaultMaxOutputTokens { get; set; } = 512;

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (prompt, generation) = Prepare(messages, options);
        await _turn.WaitAsync(cancellationToken);
        Generation result;
        try
        {
            result = _generator.Generate(new[] { prompt }, generation, cancellationToken)[0];
        }
        finally
        {
            _turn.Release();
        }

        var contents = ParseAnswer(result.Text);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, contents))
        {
            ModelId = Metadata.DefaultModelId, CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = Finish(contents.OfType<FunctionCallContent>().Any(), result), Usage = Usage(prompt, result),
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (prompt, generation) = Prepare(messages, options);
        var tokens = Channel.CreateUnbounded<int>();
        await _turn.WaitAsync(cancellationToken);
        var work = Task.Run(() =>
        {
            try
            {
                return _generator.Generate(new[] { prompt }, generation, cancellationToken, (_, token) => tokens.Writer.TryWrite(token))[0];
            }
            finally
            {
                tokens.Writer.Complete();
                _turn.Release();
            }
        }, CancellationToken.None); // always run, so that the finally block releases the model

        // Text is decoded from all tokens so far and the new part sent, so multi-token characters arrive whole.
        var ids = new List<int>();
        string sent = "";
        await foreach (int token in tokens.Reader.ReadAllAsync(cancellationToken))
        {
            ids.Add(token);
            string text = _generator.Decode(ids);
            if (text.Length > sent.Length && !text.EndsWith('\uFFFD') && text.StartsWith(sent, StringComparison.Ordinal))
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, text[sent.Length..]) { ModelId = Metadata.DefaultModelId };
                sent = text;
            }
        }

        var result = await work;
        string rest = result.Text.StartsWith(sent, StringComparison.Ordinal) ? result.Text[sent.Length..] : "";
        var calls = ParseAnswer(result.Text).OfType<FunctionCallContent>().ToList(); // the streamed text showed them raw
        var last = new ChatResponseUpdate(ChatRole.Assistant, rest)
        {
            ModelId = Metadata.DefaultModelId,
            FinishReason = Finish(calls.Count > 0, result),
        };
        foreach (var call in calls) last.Contents.Add(call);
        last.Contents.Add(new UsageContent(Usage(prompt, result)));
        yield return last;
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return Metadata;
        return serviceType.IsInstanceOfType(this) ? this : serviceType.IsInstanceOfType(_model) ? _model : null;
    }

    public void Dispose()
    {
        if (_ownsModel) _model.Dispose();
        _turn.Dispose();
    }

    /// <summary>Text and &lt;tool_call&gt; blocks of an answer: {"name": ..., "arguments": {...}} become FunctionCallContent.</summary>
    public static List<AIContent> ParseAnswer(string answer)
    {
        var contents = new List<AIContent>();
        int at = 0;
        var text = new System.Text.StringBuilder();
        while (answer.IndexOf("<tool_call>", at, StringComparison.Ordinal) is int open && open >= 0)
        {
            int close = answer.IndexOf("</tool_call>", open, StringComparison.Ordinal);
            if (close < 0) break;
            text.Append(answer[at..open]);
            string json = answer[(open + "<tool_call>".Length)..close].Trim();
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(json);
                string name = doc.RootElement.GetProperty("name").GetString()!;
                var arguments = doc.RootElement.TryGetProperty("arguments", out var a) && a.ValueKind == System.Text.Json.JsonValueKind.Object
                    ? a.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone())
                    : new Dictionary<string, object?>();
                contents.Add(new FunctionCallContent($"call_{contents.Count}_{name}", name, arguments));
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
            {
                text.Append(answer[open..(close + "</tool_call>".Length)]); // not a well-formed call: keep it as text
            }

            at = close + "</tool_call>".Length;
        }

        if (contents.Count == 0) return new List<AIContent> { new TextContent(answer) }; // plain text, exactly as generated
        text.Append(answer[at..]);
        string rest = text.ToString().Trim();
        if (rest.Length > 0) contents.Insert(0, new TextContent(rest));
        return contents;
    }

    private static ChatFinishReason Finish(bool toolCalls, Generation result) =>
        toolCalls ? ChatFinishReason.ToolCalls : result.FinishReason == "stop" ? ChatFinishReason.Stop : ChatFinishReason.Length;

    private static UsageDetails Usage(int[] prompt, Generation result) =>
        new() { InputTokenCount = prompt.Length, OutputTokenCount = result.Ids.Length, TotalTokenCount = prompt.Length + result.Ids.Length };

    private static ChatTurn Turn(ChatMessage m)
    {
        var calls = m.Contents.OfType<FunctionCallContent>()
            .Select(c => new ChatToolCall(c.Name, System.Text.Json.JsonSerializer.SerializeToElement(c.Arguments ?? new Dictionary<string, object?>()))).ToList();
        var results = m.Contents.OfType<FunctionResultContent>().Select(r => r.Result is string s ? s : System.Text.Json.JsonSerializer.Serialize(r.Result)).ToList();
        string role = results.Count > 0 ? "tool" : m.Role.Value;
        return new ChatTurn(role, results.Count > 0 ? string.Join("\n", results) : m.Text, calls.Count > 0 ? calls : null);
    }

    private (int[] Prompt, GenerationOptions Options) Prepare(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        var turns = messages.Select(Turn).ToList();
        if (turns.Count == 0) throw new ArgumentException("a chat needs at least one message");
        var tools = options?.Tools?.OfType<AIFunctionDeclaration>().Select(t => new ChatTool(t.Name, t.Description, t.JsonSchema)).ToList();
        var prompt = _template.Encode(_model.Tokenizer!, turns, tools: tools);
        var stopIds = TextGenerator.EndOfTurnIds(_model);
        return (prompt, new GenerationOptions
        {
            MaxNewTokens = options?.MaxOutputTokens ?? DefaultMaxOutputTokens, Temperature = options?.Temperature ?? 0, TopP = options?.TopP ?? 1,
            Seed = (int)(options?.Seed ?? 0), StopStrings = options?.StopSequences?.ToList() ?? new List<string>(), StopTokenIds = stopIds,
        });
    }
}
