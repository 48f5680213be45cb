using System.CommandLine;

namespace D2LLM.Cli.Commands.Distill;

/// <summary>
/// <c>d2llm distill</c>: data (BEIR, triplets or pairs) → BM25 or dense hard negatives → backbone states → teacher
/// judgements for every pair the losses need → D2LLM training (heads-only or LoRA + heads) within the time budget →
/// agreement with the teacher on held-out queries. Writes a student folder and a report. Rank-DistiLLM
/// (<c>--method rank-distillm</c>) as well, both through <see cref="DistillRun"/>; sharded teacher scoring is <c>teacher-score</c>.
/// </summary>
internal static class DistillCommand
{
    public static Command Create()
    {
        var flags = new DistillFlags();
        var cmd = new Command("distill", """
            Distil a local Qwen teacher into a D2LLM student (backbone + PMA + IEM), then report how well the student
            agrees with the teacher on held-out queries. Data: a BEIR folder (train/test qrels), a triplet file
            ({"query", "pos", "neg"} lines; given negatives come first) or a pair file (label 1, or an STS score of at
            least 80% of the top, marks a relevant pair; a symmetric task, see --task); files hold out ~10% of
            queries by a stable hash. The teacher judges with --template, else its folder's declared prompt, else the
            task's D2LLM prompt (d2llm-zh-asym, or d2llm-zh-sym for a symmetric task). A corpus alone (corpus.jsonl
            without queries, or {"text"} lines) gets pseudo-queries: the teacher (or --generator) writes one per
            sampled passage and keeps those it judges relevant to their passage. The stages:
              1. mine   - top-K hard negatives for each training query (--mining bm25 | dense; known positives removed);
              2. states - the backbone's token states for every text (computed once in --mode heads);
              3. judge  - the teacher scores every (query, passage) pair the losses need: each query's positive,
                          its K negatives and the other positives of its batch; one shared-prefix pass per query;
                          stored in OUT/teacher-judgements.bin, so an interrupted run never scores a pair twice
                          (keyed on the teacher's weights digest and prompt: another teacher's are refused);
              4. train  - the five D2LLM losses (contrastive, teacher-weighted contrastive, Pearson and BPR rank
                          imitation, feature imitation) in what --budget-minutes leaves (at most --max-steps),
                          validation on 5% of batches, early stopping, checkpoints in OUT/trainer.safetensors every
                          500 steps or --checkpoint-minutes (rerun the command to resume; a checkpoint of other data
                          or options is refused, naming what differs);
              5. report - Spearman(student, teacher) over each held-out query's 16 first-stage candidates, next to the
                          backbone's mean-pooled cosine; OUT/report.json.
            OUT becomes a student folder: embed with `d2llm embed --model OUT`.
            --method rank-distillm trains a cross-encoder instead (query + separator + passage through the backbone,
            a linear head on the last state; --tuning: the whole backbone up to 100M parameters, LoRA above):
            stage 1 on labels (LCE, the positive against 7 mined negatives), stage 2 on the teacher's ranking of
            each query's --depth candidates (--loss, RankNet by default); it reports agreement with the teacher and
            the student's speed next to the teacher's.
            """);
        flags.AddTo(cmd);
        cmd.SetAction(r => CommandRunner.Run(() =>
        {
            using var claimed = OutputFolder.Claim(r.GetValue(flags.Output)!, "distill", r.GetValue(flags.Force));
            return DistillRun.Run(flags, r);
        }));
        return cmd;
    }
}
