using D2LLM.Models.Generation.Jinja;

namespace D2LLM.Models.Tests;

public class JinjaTests
{
    private static string Render(string template, Dictionary<string, object?>? variables = null) => JinjaTemplate.Parse(template).Render(variables ?? new());

    private static readonly Dictionary<string, object?> Chat = new()
    {
        ["messages"] = new List<object?>
        {
            new Dictionary<string, object?> { ["role"] = "system", ["content"] = "S" },
            new Dictionary<string, object?> { ["role"] = "user", ["content"] = "U1" },
            new Dictionary<string, object?> { ["role"] = "assistant", ["content"] = "A" },
            new Dictionary<string, object?> { ["role"] = "user", ["content"] = "U2" },
        },
    };

    [Theory]
    [InlineData("{%- if messages[0].role == 'system' %}yes{%- endif %}", "yes")]
    [InlineData("{{ messages|length - 1 }}", "3")]
    [InlineData("{% for m in messages[::-1] %}{{ m.content }}{% if not loop.last %},{% endif %}{% endfor %}", "U2,A,U1,S")]
    [InlineData("{%- set ns = namespace(n=0) %}{%- for m in messages if m.role == 'user' %}{%- set ns.n = ns.n + 1 %}{%- endfor %}{{ ns.n }}", "2")]
    [InlineData("{{ 'a</think>b'.split('</think>')[-1].lstrip('\\n') }}|{{ '  x  '|trim }}|{{ 'abc'.startswith('ab') }}", "b|x|True")]
    [InlineData("{{ {'a': [1, 'b', none, true]}|tojson }}", "{\"a\": [1, \"b\", null, true]}")]
    [InlineData("{% if x is defined %}d{% elif y is none %}n{% else %}e{% endif %}", "e")] // undefined is not none
    [InlineData("{{ 'yes' if messages[1].role in ['user', 'tool'] else 'no' }}", "yes")]
    public void Renders(string template, string expected) => Assert.Equal(expected, Render(template, Chat));

    [Fact]
    public void TheFixtureQwen3Template_RendersLikeTheBuiltInChatMlForm_WithAndWithoutTools()
    {
        var jinja = Generation.ChatTemplate.Load(Fixtures.Path("tokenizer"));
        Assert.True(jinja.UsesJinja);
        var builtIn = Generation.ChatTemplate.ChatMl(thinking: true);
        var arguments = System.Text.Json.JsonDocument.Parse("{\"query\": \"bread\", \"top\": 2, \"exact\": false}").RootElement;
        var parameters = System.Text.Json.JsonDocument.Parse("{\"type\": \"object\", \"properties\": {\"query\": {\"type\": \"string\"}}}").RootElement;
        var conversations = new[]
        {
            new[] { new Generation.ChatTurn("user", "Hi") },
            new[] { new Generation.ChatTurn("system", "Be brief."), new Generation.ChatTurn("user", "Hi"), new Generation.ChatTurn("assistant", "<think>\nhm\n</think>\n\nHello!"), new Generation.ChatTurn("user", "Again") },
            new[]
            {
                new Generation.ChatTurn("user", "Find"), new Generation.ChatTurn("assistant", "Looking.", new[] { new Generation.ChatToolCall("search", arguments), new Generation.ChatToolCall("search", arguments) }),
                new Generation.ChatTurn("tool", "r1"), new Generation.ChatTurn("tool", "r2"), new Generation.ChatTurn("assistant", "Done."),
            },
        };
        foreach (var turns in conversations)
        {
            foreach (bool thinking in new[] { false, true })
            {
                var tools = new[] { new Generation.ChatTool("search", "Search", parameters) };
                Assert.Equal(builtIn.Render(turns, enableThinking: thinking).Text, jinja.Render(turns, enableThinking: thinking).Text);
                Assert.Equal(builtIn.Render(turns, enableThinking: thinking, tools: tools).Text, jinja.Render(turns, enableThinking: thinking, tools: tools).Text);
            }
        }
    }

    [Fact]
    public void WhitespaceControl_FollowsTrimBlocksAndLstripBlocks()
    {
        // trim_blocks drops the newline after a block tag, lstrip_blocks the indentation before it; "-" trims all.
        Assert.Equal("a\nb\n", Render("{% if true %}\n    a\n{% endif %}\nb\n".Replace("    a", "a")));
        Assert.Equal("xy", Render("x   {%- if true -%}   \n  y{%- endif %}"));
        Assert.Equal("  v\n", Render("  {{ 'v' }}\n"));
    }

    [Fact]
    public void UnknownConstructs_AreClearErrors()
    {
        Assert.Throws<FormatException>(() => Render("{% macro m() %}{% endmacro %}"));
        Assert.Throws<FormatException>(() => Render("{{ x|frobnicate }}"));
        Assert.Contains("bad input", Assert.Throws<FormatException>(() => Render("{{ raise_exception('bad input') }}")).Message);
    }
}
