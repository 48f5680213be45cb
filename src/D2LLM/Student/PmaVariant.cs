namespace D2LLM.Student;

/// <summary>The two forms of PMA attention (docs/method.md A.3.2).</summary>
public enum PmaVariant
{
    /// <summary>The D2LLM / Set-Transformer reference code: scores scaled by 1/√D, the residual adds the raw seed.</summary>
    Reference,

    /// <summary>Standard multi-head attention: scores scaled by 1/√(D/H), the residual adds the projected query.</summary>
    Standard,
}
