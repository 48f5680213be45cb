using D2LLM.Student;
using D2LLM.Training;

namespace D2LLM.Evaluation;

/// <summary>
/// How well a student ranks like its teacher: for each query, Spearman between the student's scores and the
/// teacher's P(yes) over the query's candidates, averaged over queries (the report's spearman_vs_teacher).
/// </summary>
public static class TeacherAgreement
{
    /// <summary>The agreement of any scorer of (query, candidates); NaN without lists (a corpus too small to hold any out).</summary>
    public static double Spearman(Func<string, IReadOnlyList<string>, IReadOnlyList<double>> scorer, TeacherJudgements teacher,
        IEnumerable<(string Query, IReadOnlyList<string> Candidates)> lists) =>
        lists.Select(list => Correlation.Spearman(scorer(list.Query, list.Candidates), list.Candidates.Select(p => teacher[list.Query, p].Probability).ToList()))
            .DefaultIfEmpty(double.NaN).Average();

    /// <summary>The agreement of D2LLM heads (IEM logits) over an encoder, each candidate text counted once.</summary>
    public static double Spearman(StudentHeads heads, ITokenEncoder encoder, TeacherJudgements teacher,
        IEnumerable<(string Query, IReadOnlyList<string> Candidates)> lists, IemTask task) =>
        Spearman((query, candidates) =>
        {
            var q = encoder.Encode(new[] { query }, training: false);
            var c = encoder.Encode(candidates, training: false);
            return heads.Iem.Forward(heads.Pma.Forward(q.States, q.Starts), heads.Pma.Forward(c.States, c.Starts),
                new int[candidates.Count], Enumerable.Range(0, candidates.Count).ToArray(), task).Select(x => (double)x).ToList();
        }, teacher, lists.Select(list => (list.Query, (IReadOnlyList<string>)list.Candidates.Distinct(StringComparer.Ordinal).ToList())));
}
