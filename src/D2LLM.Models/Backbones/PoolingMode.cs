namespace D2LLM.Models;

/// <summary>How the token states of a text become one vector.</summary>
public enum PoolingMode
{
    /// <summary>The last token's state (what a causal model has read the whole text by).</summary>
    Last,

    /// <summary>The mean over the text's tokens.</summary>
    Mean,

    /// <summary>The first token's state (an encoder's [CLS]).</summary>
    First,
}
