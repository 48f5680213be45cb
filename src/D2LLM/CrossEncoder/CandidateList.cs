namespace D2LLM.CrossEncoder;

/// <summary>A query with its candidate passages and the teacher's targets for them (higher is better).</summary>
public sealed record CandidateList(string Query, IReadOnlyList<string> Passages, float[] Targets)
{
    /// <summary>Targets from teacher scores as Rank-DistiLLM builds them: t = n − rank + 1 (rank 1 = the best score).</summary>
    public static float[] RankTargets(IReadOnlyList<double> teacherScores)
    {
        var order = Enumerable.Range(0, teacherScores.Count).OrderByDescending(i => teacherScores[i]).ToArray();
        var targets = new float[teacherScores.Count];
        for (int rank = 0; rank < order.Length; rank++) targets[order[rank]] = order.Length - rank;
        return targets;
    }
}
