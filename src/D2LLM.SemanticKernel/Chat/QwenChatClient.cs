using System.Runtime.CompilerServices;
using System.Threading.Channels;
using D2LLM.Models.Generation;
using D2LLM.Models;
using Microsoft.Extensions.AI;

namespace D2LLM.SemanticKernel;

/// <summary>
/// <c>IChatClient</c> over a local Qwen: messages rendered with the model's ChatML chat template (message text is
/// untrusted: it cannot open or close turns), <c>ChatOptions.Instructions</c> as the system message (joined with a
/// system message the conversation starts with), KV-cached decoding, greedy or sampled per ChatOptions (Temperature,
/// TopP, Seed, MaxOutputTokens, StopSequences), streaming token by token, usage counted by the tokenizer. Calls take
/// turns on the model. Tools are rendered as the Qwen templates do, as <c>ToolMode</c> says: none offers no tools,
/// auto (the default) lets the model choose, required makes the answer begin with a call (of the one named function,
/// when one is named). &lt;tool_call&gt; JSON in the answer comes back as FunctionCallContent with a unique call id
/// (finish reason ToolCalls), never as text, streamed or not; function results go back as tool messages. Run the tools
/// with M.E.AI's <c>UseFunctionInvocation()</c> (or Semantic Kernel's automatic function calling).
/// </summary>
public sealed class QwenChatClient : IChatClient
{
    internal const string CallOpen = "<tool_call>";
    internal const string CallClose = "</tool_call>";

    private readonly IDecoder _model;
    private readonly ChatTemplate _template;
    private readonly TextGenerator _generator;
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly bool _ownsModel;

    public QwenChatClient(IDecoder model, string? modelId = null, bool ownsModel = false)
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
        var request = Prepare(messages, options);
        await _turn.WaitAsync(cancellationToken);
        Generation result;
        try
        {
            result = _generator.Generate(new[] { request.Prompt }, request.Generation, cancellationToken)[0];
        }
        finally
        {
            _turn.Release();
        }

        var contents = ParseAnswer(request.Forced + result.Text);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, contents))
        {
            ModelId = Metadata.DefaultModelId, CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = Finish(contents.OfType<FunctionCallContent>().Any(), result), Usage = Usage(request.Prompt, result),
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = Prepare(messages, options);
        var tokens = Channel.CreateUnbounded<int>();
        await _turn.WaitAsync(cancellationToken);
        var work = Task.Run(() =>
        {
            try
            {
                return _generator.Generate(new[] { request.Prompt }, request.Generation, cancellationToken, (_, token) => tokens.Writer.TryWrite(token))[0];
            }
            finally
            {
                tokens.Writer.Complete();
                _turn.Release();
            }
        }, CancellationToken.None); // always run, so that the finally block releases the model

        var answer = new StreamedAnswer(request.Forced);
        var ids = new List<int>();
        await foreach (int token in tokens.Reader.ReadAllAsync(cancellationToken))
        {
            ids.Add(token);
            if (answer.Add(_generator.Decode(ids)) is { } delta) yield return new ChatResponseUpdate(ChatRole.Assistant, delta) { ModelId = Metadata.DefaultModelId };
        }

        var result = await work;
        var (rest, calls) = answer.Finish(result.Text);
        var last = new ChatResponseUpdate(ChatRole.Assistant, rest) { ModelId = Metadata.DefaultModelId, FinishReason = Finish(calls.Count > 0, result) };
        foreach (var call in calls) last.Contents.Add(call);
        last.Contents.Add(new UsageContent(Usage(request.Prompt, result)));
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

    /// <summary>
    /// Text and &lt;tool_call&gt; blocks of an answer: {"name": ..., "arguments": {...}} become FunctionCallContent, each
    /// with a call id of its own (a conversation's calls must not share ids: results are matched to calls by them).
    /// </summary>
    public static List<AIContent> ParseAnswer(string answer)
    {
        var contents = new List<AIContent>();
        int at = 0;
        var text = new System.Text.StringBuilder();
        while (answer.IndexOf(CallOpen, at, StringComparison.Ordinal) is int open && open >= 0)
        {
            int close = answer.IndexOf(CallClose, open, StringComparison.Ordinal);
            if (close < 0) break;
            text.Append(answer[at..open]);
            string json = answer[(open + CallOpen.Length)..close].Trim();
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(json);
                string name = doc.RootElement.GetProperty("name").GetString()!;
                var arguments = doc.RootElement.TryGetProperty("arguments", out var a) && a.ValueKind == System.Text.Json.JsonValueKind.Object
                    ? a.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone())
                    : new Dictionary<string, object?>();
                contents.Add(new FunctionCallContent($"call_{Guid.NewGuid():N}", name, arguments));
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
            {
                text.Append(answer[open..(close + CallClose.Length)]); // not a well-formed call: keep it as text
            }

            at = close + CallClose.Length;
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

    /// <summary>
    /// A message as template turns: an assistant message with its calls (text without any &lt;tool_call&gt; blocks, so a
    /// call is in the next prompt once), one tool turn per function result, else the message's text.
    /// </summary>
    private static IEnumerable<ChatTurn> Turns(ChatMessage m)
    {
        var results = m.Contents.OfType<FunctionResultContent>().ToList();
        if (results.Count > 0)
        {
            foreach (var r in results) yield return new ChatTurn("tool", r.Result is string s ? s : System.Text.Json.JsonSerializer.Serialize(r.Result));
            yield break;
        }

        var calls = m.Contents.OfType<FunctionCallContent>()
            .Select(c => new ChatToolCall(c.Name, System.Text.Json.JsonSerializer.SerializeToElement(c.Arguments ?? new Dictionary<string, object?>()))).ToList();
        string text = calls.Count > 0 ? string.Concat(ParseAnswer(m.Text).OfType<TextContent>().Select(t => t.Text)).Trim() : m.Text;
        yield return new ChatTurn(m.Role.Value, text, calls.Count > 0 ? calls : null);
    }

    /// <summary>The prompt a request would be answered from (token ids, the forced start of a required call included): for tests.</summary>
    internal int[] Prompt(IEnumerable<ChatMessage> messages, ChatOptions? options = null) => Prepare(messages, options).Prompt;

    private sealed record Request(int[] Prompt, GenerationOptions Generation, string Forced);

    private Request Prepare(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        var turns = messages.SelectMany(Turns).ToList();
        if (turns.Count == 0) throw new ArgumentException("a chat needs at least one message");
        if (!string.IsNullOrWhiteSpace(options?.Instructions))
        {
            if (turns[0].Role == "system") turns[0] = turns[0] with { Content = options.Instructions + "\n\n" + turns[0].Content };
            else turns.Insert(0, new ChatTurn("system", options.Instructions));
        }

        var declared = options?.Tools?.OfType<AIFunctionDeclaration>().ToList() ?? new List<AIFunctionDeclaration>();
        var mode = declared.Count == 0 ? ChatToolMode.None : options!.ToolMode ?? ChatToolMode.Auto;
        string forced = "";
        if (mode is RequiredChatToolMode required)
        {
            if (required.RequiredFunctionName is { } name)
            {
                declared = declared.Where(t => t.Name == name).ToList();
                if (declared.Count == 0) throw new ArgumentException($"ToolMode requires function '{name}', which is not among the tools");
                forced = $"{CallOpen}\n{{\"name\": {System.Text.Json.JsonSerializer.Serialize(name)}, \"arguments\": ";
            }
            else
            {
                forced = CallOpen + "\n";
            }
        }

        var tools = mode == ChatToolMode.None ? null : declared.Select(t => new ChatTool(t.Name, t.Description, t.JsonSchema)).ToList();
        var prompt = _template.Encode(_model.Tokenizer!, turns, tools: tools);
        if (forced.Length > 0) prompt = prompt.Concat(_model.Tokenizer!.Encode(forced)).ToArray();
        return new Request(prompt, new GenerationOptions
        {
            MaxNewTokens = options?.MaxOutputTokens ?? DefaultMaxOutputTokens, Temperature = options?.Temperature ?? 0, TopP = options?.TopP ?? 1,
            Seed = (int)(options?.Seed ?? 0), StopStrings = options?.StopSequences?.ToList() ?? new List<string>(), StopTokenIds = TextGenerator.EndOfTurnIds(_model),
        }, forced);
    }
}
