namespace D2LLM.Losses.Listwise;

/// <summary>The listwise objectives of Rank-DistiLLM (docs/method.md B.6).</summary>
public enum ListwiseLoss
{
    RankNet,
    KlDivergence,
    ApproxNdcg,
    AdrMse,
    Lce,
}
