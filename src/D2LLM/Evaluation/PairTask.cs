namespace D2LLM.Evaluation;

/// <summary>How a pair file's labels are read.</summary>
public enum PairTask
{
    /// <summary>0/1 labels: classification; graded ones: similarity (a few stray labels among 0/1 are refused as a likely typo).</summary>
    Auto,

    /// <summary>Accuracy and average precision at the best threshold.</summary>
    Classification,

    /// <summary>Spearman and Pearson against graded similarity.</summary>
    Sts,
}
