namespace D2LLM.Teacher;

/// <summary>Orders one window of passages for a query: returns a permutation of 0..count-1, best first.</summary>
public delegate int[] WindowRanker(string query, IReadOnlyList<string> window);
