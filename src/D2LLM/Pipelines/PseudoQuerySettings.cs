using D2LLM.Models;

namespace D2LLM.Pipelines;

/// <summary>How a corpus without queries gets them (<see cref="PseudoQueryStage"/>).</summary>
/// <param name="Passages">passages sampled to write a query for</param>
/// <param name="MinScore">keep a query when the teacher's P(yes) for its passage reaches this</param>
/// <param name="Generator">the model that writes queries (null: the teacher)</param>
public sealed record PseudoQuerySettings(int Passages = 2000, double MinScore = 0.5, IDecoder? Generator = null);
