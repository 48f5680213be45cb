using System.Globalization;
using System.Text;

namespace D2LLM.Models.Generation.Jinja;

/// <summary>An expression of the template language, evaluated against the current variables.</summary>
internal abstract record Expr
{
    public abstract object? Evaluate(JinjaScope scope);
}

internal sealed record Literal(object? Value) : Expr
{
    public override object? Evaluate(JinjaScope scope) => Value;
}

internal sealed record Name(string Id) : Expr
{
    public override object? Evaluate(JinjaScope scope) => scope.Get(Id);
}

internal sealed record ListExpr(IReadOnlyList<Expr> Items) : Expr
{
    public override object? Evaluate(JinjaScope scope) => Items.Select(i => i.Evaluate(scope)).ToList();
}

internal sealed record DictExpr(IReadOnlyList<(Expr Key, Expr Value)> Items) : Expr
{
    public override object? Evaluate(JinjaScope scope)
    {
        var d = new Dictionary<string, object?>();
        foreach (var (k, v) in Items) d[JinjaValues.Str(k.Evaluate(scope))] = v.Evaluate(scope);
        return d;
    }
}

internal sealed record Attribute(Expr Target, string Member) : Expr
{
    public override object? Evaluate(JinjaScope scope) => JinjaValues.Member(Target.Evaluate(scope), Member);
}

internal sealed record Index(Expr Target, Expr Key) : Expr
{
    public override object? Evaluate(JinjaScope scope) => JinjaValues.Item(Target.Evaluate(scope), Key.Evaluate(scope));
}

internal sealed record Slice(Expr Target, Expr? Start, Expr? Stop, Expr? Step) : Expr
{
    public override object? Evaluate(JinjaScope scope) =>
        JinjaValues.Slice(Target.Evaluate(scope), Start?.Evaluate(scope), Stop?.Evaluate(scope), Step?.Evaluate(scope));
}

internal sealed record Call(Expr Target, IReadOnlyList<Expr> Args, IReadOnlyList<(string Name, Expr Value)> Kwargs) : Expr
{
    public override object? Evaluate(JinjaScope scope)
    {
        var args = Args.Select(a => a.Evaluate(scope)).ToList();
        var kwargs = Kwargs.ToDictionary(k => k.Name, k => k.Value.Evaluate(scope));
        if (Target is Attribute m) return JinjaValues.CallMethod(m.Target.Evaluate(scope), m.Member, args);
        if (Target is Name n) return scope.CallFunction(n.Id, args, kwargs);
        throw new FormatException("chat template: only functions and methods can be called");
    }
}

internal sealed record Filter(Expr Target, string FilterName, IReadOnlyList<Expr> Args, IReadOnlyList<(string Name, Expr Value)> Kwargs) : Expr
{
    public override object? Evaluate(JinjaScope scope) =>
        JinjaValues.ApplyFilter(FilterName, Target.Evaluate(scope), Args.Select(a => a.Evaluate(scope)).ToList(), Kwargs.ToDictionary(k => k.Name, k => k.Value.Evaluate(scope)));
}

internal sealed record Test(Expr Target, string TestName, bool Negated, IReadOnlyList<Expr> Args) : Expr
{
    public override object? Evaluate(JinjaScope scope) => JinjaValues.ApplyTest(TestName, Target.Evaluate(scope), Args.Select(a => a.Evaluate(scope)).ToList()) != Negated;
}

internal sealed record Unary(string Op, Expr Operand) : Expr
{
    public override object? Evaluate(JinjaScope scope)
    {
        var v = Operand.Evaluate(scope);
        return Op switch
        {
            "not" => !JinjaValues.Truthy(v),
            "-" => v is long l ? (object)(-l) : -JinjaValues.Number(v),
            _ => v,
        };
    }
}

internal sealed record Binary(string Op, Expr Left, Expr Right) : Expr
{
    public override object? Evaluate(JinjaScope scope)
    {
        if (Op == "and") return Left.Evaluate(scope) is var a && !JinjaValues.Truthy(a) ? a : Right.Evaluate(scope);
        if (Op == "or") return Left.Evaluate(scope) is var o && JinjaValues.Truthy(o) ? o : Right.Evaluate(scope);
        return JinjaValues.Operate(Op, Left.Evaluate(scope), Right.Evaluate(scope));
    }
}

internal sealed record Conditional(Expr Then, Expr Condition, Expr? Else) : Expr
{
    public override object? Evaluate(JinjaScope scope) =>
        JinjaValues.Truthy(Condition.Evaluate(scope)) ? Then.Evaluate(scope) : Else?.Evaluate(scope) ?? JinjaUndefined.Instance;
}

/// <summary>A recursive-descent parser for Jinja expressions (the subset chat templates use).</summary>
internal sealed class ExpressionParser
{
    private readonly List<string> _tokens;
    private int _at;

    public ExpressionParser(string source)
    {
        _tokens = Tokenize(source);
    }

    public bool AtEnd => _at >= _tokens.Count;
    public string? Peek => AtEnd ? null : _tokens[_at];

    public string Next() => AtEnd ? throw new FormatException("chat template: expression ends early") : _tokens[_at++];

    public bool Accept(string token)
    {
        if (Peek != token) return false;
        _at++;
        return true;
    }

    public void Expect(string token)
    {
        if (!Accept(token)) throw new FormatException($"chat template: expected '{token}', found '{Peek ?? "end"}'");
    }

    /// <summary>An expression without a trailing "if … else …" (a for loop's iterable, which "if" filters).</summary>
    public Expr ParseExpressionNoConditional() => ParseOr();

    public Expr ParseExpression()
    {
        var e = ParseOr();
        if (Accept("if"))
        {
            var condition = ParseOr();
            Expr? otherwise = Accept("else") ? ParseExpression() : null;
            return new Conditional(e, condition, otherwise);
        }

        return e;
    }

    private Expr ParseOr()
    {
        var e = ParseAnd();
        while (Accept("or")) e = new Binary("or", e, ParseAnd());
        return e;
    }

    private Expr ParseAnd()
    {
        var e = ParseNot();
        while (Accept("and")) e = new Binary("and", e, ParseNot());
        return e;
    }

    private Expr ParseNot() => Accept("not") ? new Unary("not", ParseNot()) : ParseComparison();

    private Expr ParseComparison()
    {
        var e = ParseAdditive();
        while (true)
        {
            if (Peek is "==" or "!=" or "<" or ">" or "<=" or ">=") e = new Binary(Next(), e, ParseAdditive());
            else if (Accept("in")) e = new Binary("in", e, ParseAdditive());
            else if (Peek == "not" && _at + 1 < _tokens.Count && _tokens[_at + 1] == "in")
            {
                _at += 2;
                e = new Unary("not", new Binary("in", e, ParseAdditive()));
            }
            else if (Accept("is"))
            {
                bool negated = Accept("not");
                string test = Next();
                var args = new List<Expr>();
                if (Accept("("))
                {
                    while (!Accept(")")) { args.Add(ParseExpression()); Accept(","); }
                }
                else if (Peek is not (null or ")" or "]" or "," or "and" or "or" or "else" or "if" or "}" or ":")) args.Add(ParseAdditive());
                e = new Test(e, test, negated, args);
            }
            else return e;
        }
    }

    private Expr ParseAdditive()
    {
        var e = ParseMultiplicative();
        while (Peek is "+" or "-" or "~") e = new Binary(Next(), e, ParseMultiplicative());
        return e;
    }

    private Expr ParseMultiplicative()
    {
        var e = ParseUnary();
        while (Peek is "*" or "/" or "//" or "%") e = new Binary(Next(), e, ParseUnary());
        return e;
    }

    private Expr ParseUnary() => Peek is "-" or "+" ? new Unary(Next(), ParseUnary()) : ParseFiltered();

    private Expr ParseFiltered()
    {
        var e = ParsePostfix(ParsePrimary());
        while (Accept("|"))
        {
            string name = Next();
            var (args, kwargs) = Peek == "(" ? ParseArguments() : (new List<Expr>(), new List<(string, Expr)>());
            e = ParsePostfix(new Filter(e, name, args, kwargs));
        }

        return e;
    }

    private Expr ParsePostfix(Expr e)
    {
        while (true)
        {
            if (Accept("."))
            {
                e = new Attribute(e, Next());
            }
            else if (Accept("["))
            {
                Expr? start = Peek is ":" ? null : ParseExpression();
                if (Accept(":"))
                {
                    Expr? stop = Peek is ":" or "]" ? null : ParseExpression();
                    Expr? step = Accept(":") && Peek != "]" ? ParseExpression() : null;
                    Expect("]");
                    e = new Slice(e, start, stop, step);
                }
                else
                {
                    Expect("]");
                    e = new Index(e, start!);
                }
            }
            else if (Peek == "(")
            {
                var (args, kwargs) = ParseArguments();
                e = new Call(e, args, kwargs);
            }
            else return e;
        }
    }

    private (List<Expr>, List<(string, Expr)>) ParseArguments()
    {
        Expect("(");
        var args = new List<Expr>();
        var kwargs = new List<(string, Expr)>();
        while (!Accept(")"))
        {
            if (_at + 1 < _tokens.Count && _tokens[_at + 1] == "=" && IsName(Peek!))
            {
                string name = Next();
                Next();
                kwargs.Add((name, ParseExpression()));
            }
            else args.Add(ParseExpression());
            Accept(",");
        }

        return (args, kwargs);
    }

    private Expr ParsePrimary()
    {
        string t = Next();
        if (t == "(")
        {
            var e = ParseExpression();
            Expect(")");
            return e;
        }

        if (t == "[")
        {
            var items = new List<Expr>();
            while (!Accept("]")) { items.Add(ParseExpression()); Accept(","); }
            return new ListExpr(items);
        }

        if (t == "{")
        {
            var items = new List<(Expr, Expr)>();
            while (!Accept("}"))
            {
                var key = ParseExpression();
                Expect(":");
                items.Add((key, ParseExpression()));
                Accept(",");
            }

            return new DictExpr(items);
        }

        if (t[0] is '\'' or '"') return new Literal(t[1..]);
        if (char.IsAsciiDigit(t[0]))
            return new Literal(t.Contains('.') ? double.Parse(t, CultureInfo.InvariantCulture) : (object)long.Parse(t, CultureInfo.InvariantCulture));
        return t switch
        {
            "true" or "True" => new Literal(true),
            "false" or "False" => new Literal(false),
            "none" or "None" => new Literal(null),
            _ when IsName(t) => new Name(t),
            _ => throw new FormatException($"chat template: unexpected '{t}'"),
        };
    }

    private static bool IsName(string t) => t.Length > 0 && (char.IsLetter(t[0]) || t[0] == '_');

    /// <summary>Tokens: names, numbers, operators, and string literals kept as a quote character followed by their decoded value.</summary>
    private static List<string> Tokenize(string s)
    {
        var tokens = new List<string>();
        int i = 0;
        while (i < s.Length)
        {
            char c = s[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c is '\'' or '"')
            {
                var sb = new StringBuilder().Append('\'');
                i++;
                while (i < s.Length && s[i] != c)
                {
                    if (s[i] == '\\' && i + 1 < s.Length)
                    {
                        i++;
                        sb.Append(s[i] switch { 'n' => '\n', 't' => '\t', 'r' => '\r', _ => s[i] });
                    }
                    else sb.Append(s[i]);
                    i++;
                }

                i++;
                tokens.Add(sb.ToString());
                continue;
            }

            if (char.IsAsciiDigit(c))
            {
                int start = i;
                while (i < s.Length && (char.IsAsciiDigit(s[i]) || (s[i] == '.' && i + 1 < s.Length && char.IsAsciiDigit(s[i + 1])))) i++;
                tokens.Add(s[start..i]);
                continue;
            }

            if (char.IsLetter(c) || c == '_')
            {
                int start = i;
                while (i < s.Length && (char.IsLetterOrDigit(s[i]) || s[i] == '_')) i++;
                tokens.Add(s[start..i]);
                continue;
            }

            string two = i + 1 < s.Length ? s.Substring(i, 2) : "";
            if (two is "==" or "!=" or "<=" or ">=" or "//")
            {
                tokens.Add(two);
                i += 2;
                continue;
            }

            tokens.Add(c.ToString());
            i++;
        }

        return tokens;
    }
}
