using D2LLM.Student;
using D2LLM.Training;

namespace D2LLM.Evaluation;

/// <summary>
/// How well a student ranks like its teacher: for each query, Spearman between the student's IEM logits and the
/// teacher's P(yes) over the query's candidates, averaged over queries (the report's spearman_vs_teacher).
/// </summary>
public static class TeacherAgreement
{
    public static double Spearman(StudentHeads heads, ITokenEncoder encoder, TeacherJudgements teacher,
        IEnumerable<(string Query, IReadOnlyList<string> Candidates)> lists, IemTask task) =>
        lists.Average(list =>
        {
            var candidates = list.Candidates.Distinct(StringComparer.Ordinal).ToList();
            var q = encoder.Encode(new[] { list.Query }, training: false);
            var c = encoder.Encode(candidates, training: false);
            var logits = heads.Iem.Forward(heads.Pma.Forward(q.States, q.Starts), heads.Pma.Forward(c.States, c.Starts),
                new int[candidates.Count], Enumerable.Range(0, candidates.Count).ToArray(), task);
            return Correlation.Spearman(logits.Select(x => (double)x).ToList(), candidates.Select(p => teacher[list.Query, p].Probability).ToList());
        });
}
