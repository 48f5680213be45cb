using System.Text;

namespace D2LLM.Models.Generation.Jinja;

/// <summary>Variables of a render: nested frames (a for loop's body has its own), and the global functions.</summary>
internal sealed class JinjaScope(Dictionary<string, object?> globals)
{
    private readonly List<Dictionary<string, object?>> _frames = new() { globals };

    public object? Get(string name)
    {
        for (int i = _frames.Count - 1; i >= 0; i--)
            if (_frames[i].TryGetValue(name, out var v)) return v;
        return JinjaUndefined.Instance;
    }

    public void Set(string name, object? value) => _frames[^1][name] = value;

    public void Push() => _frames.Add(new Dictionary<string, object?>());

    public void Pop() => _frames.RemoveAt(_frames.Count - 1);

    public object? CallFunction(string name, List<object?> args, Dictionary<string, object?> kwargs) => name switch
    {
        "namespace" => kwargs.Aggregate(new JinjaNamespace(), (ns, e) => { ns[e.Key] = e.Value; return ns; }),
        "raise_exception" => throw new FormatException($"chat template: {JinjaValues.Str(args.FirstOrDefault())}"),
        "range" => Range(args),
        "strftime_now" => DateTime.Now.ToString(JinjaValues.Str(args.FirstOrDefault()).Replace("%Y", "yyyy").Replace("%m", "MM").Replace("%d", "dd"), System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new FormatException($"chat template: function '{name}' is not supported"),
    };

    private static List<object?> Range(List<object?> args)
    {
        long start = args.Count > 1 ? (long)JinjaValues.Number(args[0]) : 0, stop = (long)JinjaValues.Number(args[args.Count > 1 ? 1 : 0]);
        var result = new List<object?>();
        for (long i = start; i < stop; i++) result.Add(i);
        return result;
    }
}

/// <summary>A statement of the template: it appends to the output.</summary>
internal abstract record Node
{
    public abstract void Render(JinjaScope scope, StringBuilder output);

    public static void RenderAll(IReadOnlyList<Node> nodes, JinjaScope scope, StringBuilder output)
    {
        foreach (var node in nodes) node.Render(scope, output);
    }
}

internal sealed record TextNode(string Text) : Node
{
    public override void Render(JinjaScope scope, StringBuilder output) => output.Append(Text);
}

internal sealed record OutputNode(Expr Value) : Node
{
    public override void Render(JinjaScope scope, StringBuilder output) => output.Append(JinjaValues.Str(Value.Evaluate(scope)));
}

internal sealed record IfNode(IReadOnlyList<(Expr Condition, List<Node> Body)> Branches, List<Node>? Else) : Node
{
    public override void Render(JinjaScope scope, StringBuilder output)
    {
        foreach (var (condition, body) in Branches)
        {
            if (!JinjaValues.Truthy(condition.Evaluate(scope))) continue;
            RenderAll(body, scope, output);
            return;
        }

        if (Else is not null) RenderAll(Else, scope, output);
    }
}

internal sealed record ForNode(IReadOnlyList<string> Targets, Expr Iterable, Expr? Filter, List<Node> Body, List<Node>? Else) : Node
{
    public override void Render(JinjaScope scope, StringBuilder output)
    {
        var items = Iterable.Evaluate(scope) switch
        {
            IDictionary<string, object?> d => d.Keys.Select(k => (object?)k).ToList(),
            IList<object?> l => l.ToList(),
            string s => s.Select(c => (object?)c.ToString()).ToList(),
            _ => new List<object?>(),
        };
        scope.Push();
        try
        {
            if (Filter is not null)
                items = items.Where(item => { Bind(scope, item); return JinjaValues.Truthy(Filter.Evaluate(scope)); }).ToList();
            for (int i = 0; i < items.Count; i++)
            {
                Bind(scope, items[i]);
                scope.Set("loop", new Dictionary<string, object?>
                {
                    ["index0"] = (long)i, ["index"] = (long)(i + 1), ["first"] = i == 0, ["last"] = i == items.Count - 1, ["length"] = (long)items.Count,
                    ["revindex"] = (long)(items.Count - i), ["revindex0"] = (long)(items.Count - i - 1),
                    ["previtem"] = i > 0 ? items[i - 1] : JinjaUndefined.Instance, ["nextitem"] = i + 1 < items.Count ? items[i + 1] : JinjaUndefined.Instance,
                });
                RenderAll(Body, scope, output);
            }

            if (items.Count == 0 && Else is not null) RenderAll(Else, scope, output);
        }
        finally
        {
            scope.Pop();
        }
    }

    private void Bind(JinjaScope scope, object? item)
    {
        if (Targets.Count == 1)
        {
            scope.Set(Targets[0], item);
            return;
        }

        var parts = item as IList<object?> ?? throw new FormatException("chat template: cannot unpack a loop item");
        for (int t = 0; t < Targets.Count; t++) scope.Set(Targets[t], t < parts.Count ? parts[t] : JinjaUndefined.Instance);
    }
}

internal sealed record SetNode(string Target, string? Member, Expr Value) : Node
{
    public override void Render(JinjaScope scope, StringBuilder output)
    {
        var value = Value.Evaluate(scope);
        if (Member is null) scope.Set(Target, value);
        else if (scope.Get(Target) is JinjaNamespace ns) ns[Member] = value;
        else throw new FormatException($"chat template: '{Target}' is not a namespace");
    }
}

/// <summary>
/// A Jinja template as Hugging Face renders chat templates (trim_blocks, lstrip_blocks): text, {{ expressions }},
/// if / elif / else, for (with loop.*, filters, else), set (also on namespace attributes), the filters, tests and
/// methods chat templates use, and raise_exception. Enough for the Qwen2.5 and Qwen3 templates; anything else is a
/// clear FormatException rather than a silent wrong prompt.
/// </summary>
public sealed class JinjaTemplate
{
    private readonly List<Node> _nodes;

    private JinjaTemplate(List<Node> nodes) => _nodes = nodes;

    public static JinjaTemplate Parse(string source)
    {
        var chunks = JinjaLexer.Split(source);
        int at = 0;
        var nodes = ParseBlock(chunks, ref at, out string? end);
        if (end is not null) throw new FormatException($"chat template: unexpected '{end}'");
        return new JinjaTemplate(nodes);
    }

    /// <summary>Renders with the given variables (strings, numbers, bools, null, lists, string-keyed dictionaries).</summary>
    public string Render(Dictionary<string, object?> variables)
    {
        var output = new StringBuilder();
        Node.RenderAll(_nodes, new JinjaScope(new Dictionary<string, object?>(variables)), output);
        return output.ToString();
    }

    /// <summary>Nodes until a statement that ends or splits this block (endif, elif, else, endfor), which is returned in <paramref name="end"/>.</summary>
    private static List<Node> ParseBlock(List<Chunk> chunks, ref int at, out string? end)
    {
        var nodes = new List<Node>();
        while (at < chunks.Count)
        {
            var chunk = chunks[at++];
            switch (chunk.Kind)
            {
                case ChunkKind.Text:
                    nodes.Add(new TextNode(chunk.Source));
                    break;
                case ChunkKind.Output:
                    nodes.Add(new OutputNode(Whole(chunk.Source)));
                    break;
                default:
                    string keyword = chunk.Source.Split(' ', 2)[0];
                    string rest = chunk.Source.Length > keyword.Length ? chunk.Source[keyword.Length..].Trim() : "";
                    switch (keyword)
                    {
                        case "if":
                            nodes.Add(ParseIf(chunks, ref at, rest));
                            break;
                        case "for":
                            nodes.Add(ParseFor(chunks, ref at, rest));
                            break;
                        case "set":
                            int eq = rest.IndexOf('=');
                            if (eq < 0) throw new FormatException($"chat template: block set is not supported ('{chunk.Source}')");
                            string target = rest[..eq].Trim();
                            int dot = target.IndexOf('.');
                            nodes.Add(new SetNode(dot < 0 ? target : target[..dot], dot < 0 ? null : target[(dot + 1)..], Whole(rest[(eq + 1)..])));
                            break;
                        case "endif" or "elif" or "else" or "endfor":
                            end = chunk.Source;
                            return nodes;
                        case "generation" or "endgeneration":
                            break; // markers for assistant masks in training; no output of their own
                        default:
                            throw new FormatException($"chat template: statement '{keyword}' is not supported");
                    }

                    break;
            }
        }

        end = null;
        return nodes;
    }

    private static IfNode ParseIf(List<Chunk> chunks, ref int at, string condition)
    {
        var branches = new List<(Expr, List<Node>)>();
        List<Node>? otherwise = null;
        var current = Whole(condition);
        while (true)
        {
            var body = ParseBlock(chunks, ref at, out string? end);
            if (otherwise is not null)
            {
                if (end != "endif") throw new FormatException("chat template: 'else' must end with 'endif'");
                otherwise = body;
                return new IfNode(branches, otherwise);
            }

            branches.Add((current, body));
            switch (end)
            {
                case "endif":
                    return new IfNode(branches, null);
                case "else":
                    otherwise = new List<Node>();
                    break;
                case { } e when e.StartsWith("elif ", StringComparison.Ordinal):
                    current = Whole(e[5..]);
                    break;
                default:
                    throw new FormatException("chat template: 'if' without 'endif'");
            }
        }
    }

    private static ForNode ParseFor(List<Chunk> chunks, ref int at, string header)
    {
        var parser = new ExpressionParser(header);
        var targets = new List<string> { parser.Next() };
        while (parser.Accept(",")) targets.Add(parser.Next());
        parser.Expect("in");
        var iterable = parser.ParseExpressionNoConditional();
        Expr? filter = parser.Accept("if") ? parser.ParseExpression() : null;
        if (!parser.AtEnd) throw new FormatException($"chat template: unexpected '{parser.Peek}' in 'for {header}'");
        var body = ParseBlock(chunks, ref at, out string? end);
        List<Node>? otherwise = null;
        if (end == "else")
        {
            otherwise = ParseBlock(chunks, ref at, out end);
        }

        if (end != "endfor") throw new FormatException("chat template: 'for' without 'endfor'");
        return new ForNode(targets, iterable, filter, body, otherwise);
    }

    private static Expr Whole(string source)
    {
        var parser = new ExpressionParser(source);
        var e = parser.ParseExpression();
        if (!parser.AtEnd) throw new FormatException($"chat template: unexpected '{parser.Peek}' in '{source}'");
        return e;
    }
}
