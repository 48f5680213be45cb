using D2LLM.Teacher;

namespace D2LLM.Training;

/// <summary>
/// Teacher scores (P(yes)) and features for (query, passage) pairs, computed once per pair and looked up by the
/// trainer. With a <see cref="JudgementStore"/> they persist: a run that was killed resumes with every pair
/// already judged, and scores only the rest.
/// </summary>
public sealed class TeacherJudgements : IDisposable
{
    private readonly Dictionary<(string Query, string Passage), TeacherScore> _scores = new();
    private readonly JudgementStore? _store;

    public TeacherJudgements()
    {
    }

    private TeacherJudgements(JudgementStore store, IEnumerable<(string Query, string Passage, TeacherScore Score)> existing)
    {
        _store = store;
        foreach (var (q, p, s) in existing) _scores[(q, p)] = s;
    }

    /// <summary>Judgements backed by a file at <paramref name="path"/>, loading what an earlier run stored.</summary>
    public static TeacherJudgements Open(string path, TeacherModel teacher)
    {
        var (store, existing) = JudgementStore.Open(path, TeacherIdentity.Of(teacher));
        return new TeacherJudgements(store, existing);
    }

    /// <summary>Bytes of damaged records the store dropped on open (their pairs are judged again).</summary>
    public long SkippedBytes => _store?.SkippedBytes ?? 0;

    /// <summary>Whether shard <paramref name="index"/> (1-based) of <paramref name="count"/> owns a query: a stable hash, so a query's pairs stay together.</summary>
    public static bool OwnsQuery(string query, int index, int count) =>
        count <= 1 || System.IO.Hashing.XxHash32.HashToUInt32(System.Text.Encoding.UTF8.GetBytes(query)) % (uint)count == (uint)(index - 1);

    public int Count => _scores.Count;

    /// <summary>Pairs the teacher scored in this process (not loaded from the store).</summary>
    public int Scored { get; private set; }

    /// <summary>
    /// Scores every missing pair, one shared-prefix pass per query; reports (pairs done, pairs in all), counting pairs
    /// already stored as done, so the rate and ETA are in pairs.
    /// </summary>
    public void Fill(TeacherModel teacher, IEnumerable<(string Query, IReadOnlyList<string> Passages)> groups, Action<int, int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var list = groups.Select(g => (g.Query, Passages: g.Passages.Distinct(StringComparer.Ordinal).ToList())).ToList();
        int total = list.Sum(g => g.Passages.Count), done = 0;
        foreach (var (query, passages) in list)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var missing = passages.Where(p => !_scores.ContainsKey((query, p))).ToList();
            if (missing.Count > 0)
            {
                var scores = teacher.ScoreCandidates(query, missing, withFeatures: true);
                for (int i = 0; i < missing.Count; i++)
                {
                    _scores[(query, missing[i])] = scores[i];
                    _store?.Append(query, missing[i], scores[i]);
                }

                _store?.Flush();
                Scored += missing.Count;
            }

            progress?.Invoke(done += passages.Count, total);
        }
    }

    public TeacherScore this[string query, string passage] => _scores[(query, passage)];

    public void Dispose() => _store?.Dispose();
}
