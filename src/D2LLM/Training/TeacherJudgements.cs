using D2LLM.Teacher;

namespace D2LLM.Training;

/// <summary>
/// Teacher scores (P(yes)) and features for (query, passage) pairs, computed once per pair and looked up by the
/// trainer. Kept in memory for now (not yet persisted between runs).
/// </summary>
public sealed class TeacherJudgements
{
    private readonly Dictionary<(string Query, string Passage), TeacherScore> _scores = new();

    public int Count => _scores.Count;

    /// <summary>Scores every missing pair, one shared-prefix pass per query.</summary>
    public void Fill(TeacherModel teacher, IEnumerable<(string Query, IReadOnlyList<string> Passages)> groups, Action<int, int>? progress = null)
    {
        var list = groups.ToList();
        for (int g = 0; g < list.Count; g++)
        {
            var (query, passages) = list[g];
            var missing = passages.Distinct(StringComparer.Ordinal).Where(p => !_scores.ContainsKey((query, p))).ToList();
            if (missing.Count > 0)
            {
                var scores = teacher.ScoreCandidates(query, missing, withFeatures: true);
                for (int i = 0; i < missing.Count; i++) _scores[(query, missing[i])] = scores[i];
            }

            progress?.Invoke(g + 1, list.Count);
        }
    }

    public TeacherScore this[string query, string passage] => _scores[(query, passage)];
}
