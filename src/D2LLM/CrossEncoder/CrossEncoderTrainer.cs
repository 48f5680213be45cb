using D2LLM.Evaluation;
using D2LLM.Losses.Listwise;
using D2LLM.Tensors.Optim;
using D2LLM.Training;

namespace D2LLM.CrossEncoder;

/// <summary>
/// Listwise training of a <see cref="CrossEncoderModel"/> (Rank-DistiLLM B.5): each step scores every (query,
/// passage) of a few candidate lists, applies the chosen listwise loss against the targets, and back-propagates into
/// the head and the backbone (LoRA adapters, or every tensor); AdamW with warm-up then a constant rate, global-norm
/// clipping. Lists are visited in a seeded order per epoch until the budget, the step limit or early stopping: with
/// validation lists, their <see cref="CrossEncoderTrainingOptions.ValidateOn"/> measure is taken every
/// <see cref="CrossEncoderTrainingOptions.ValidateEvery"/> steps and at the end (reported as step, value, best so far),
/// and the parameters at the lowest one are what training leaves. With a checkpoint path the state is
/// saved every <see cref="CrossEncoderTrainingOptions.CheckpointInterval"/> and at the end (marked finished), and a
/// run resumes (a checkpoint of other lists or options is refused).
/// All lists of one run must have the same length (shorter ones are for the caller to drop). The head and the loss run
/// on the CPU engine, or where <paramref name="listStep"/> puts them (a torch device).
/// </summary>
public sealed class CrossEncoderTrainer(CrossEncoderModel model, CrossEncoderTrainingOptions options, IListStep? listStep = null)
{
    private readonly IListStep _listStep = listStep ?? new HostListStep(model, options.Loss);

    /// <summary>Optimiser steps the parameters have had, counting those of runs this one resumed.</summary>
    public int CompletedSteps { get; private set; }

    public List<double> Train(IReadOnlyList<CandidateList> lists, string? checkpointPath = null, Action<int, double>? onStep = null,
        IReadOnlyList<CandidateList>? validation = null, Action<int, double, double>? onValidation = null, CancellationToken cancellationToken = default)
    {
        if (lists.Count == 0) throw new ArgumentException("no candidate lists to train on");
        int n = lists[0].Passages.Count;
        if (lists.Concat(validation ?? []).Any(l => l.Passages.Count != n || l.Targets.Length != n)) throw new ArgumentException("all candidate lists of a run need the same length");
        var parameters = model.Parameters.ToList();
        var optimizer = new AdamW(parameters);
        var schedule = new LearningRateSchedule(options.LearningRate, options.WarmupSteps, options.MaxSteps, DecayShape.Constant);
        var best = new BestParameters(parameters, options.Patience);
        var run = TrainingRun.Of(options, Texts(lists).Append("validation").Concat(Texts(validation ?? [])), parameters,
            nameof(options.Budget), nameof(options.MaxSteps), nameof(options.CheckpointInterval));
        var (start, finished) = TrainerCheckpoint.Resume(checkpointPath, run, parameters, optimizer, best);
        CompletedSteps = start;
        var losses = new List<double>();
        if (finished)
        {
            best.Restore();
            return losses;
        }

        bool Validate(int step)
        {
            if (validation is not { Count: > 0 }) return false;
            double loss = options.ValidateOn == ValidationMeasure.Loss ? Loss(validation) : Disagreement(validation);
            bool stop = best.Record(loss);
            onValidation?.Invoke(step, loss, best.Loss);
            return stop;
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var lastSave = TimeSpan.Zero;
        int perEpoch = Math.Max(1, lists.Count / options.ListsPerStep);
        int[]? order = null;
        int step = start, validated = -1;
        bool stopEarly = false;
        for (; step < options.MaxSteps && clock.Elapsed < options.Budget && !stopEarly; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int epoch = step / perEpoch, s = step % perEpoch;
            if (order is null || s == 0)
            {
                order = Enumerable.Range(0, lists.Count).ToArray();
                new Random(options.Seed + epoch).Shuffle(order);
            }

            var batch = order.Skip(s * options.ListsPerStep).Take(options.ListsPerStep).Select(i => lists[i]).ToList();
            foreach (var p in parameters) p.ZeroGrad();
            model.BeginStep(step);
            var pairs = batch.SelectMany(l => l.Passages.Select(p => model.EncodePair(l.Query, p))).ToList();
            var pass = model.ForwardTraining(pairs);
            var (loss, dSummary) = _listStep.Run(pass.Last, batch.SelectMany(l => l.Targets).ToArray(), new ListBatch(batch.Count, n));
            model.SummaryBackward(pass, dSummary);
            GradientClipping.ClipGlobalNorm(parameters, options.ClipNorm);
            optimizer.Step(schedule.At(step));
            losses.Add(loss);
            CompletedSteps = step + 1;
            onStep?.Invoke(step + 1, loss);
            if ((step + 1) % options.ValidateEvery == 0)
            {
                stopEarly = Validate(step + 1);
                validated = step + 1;
            }

            if (checkpointPath is not null && clock.Elapsed - lastSave >= options.CheckpointInterval)
            {
                TrainerCheckpoint.Save(checkpointPath, run, parameters, optimizer, step + 1, finished: false, best.Loss, best.Values);
                lastSave = clock.Elapsed;
            }
        }

        if (validated != step) Validate(step);
        best.Restore();
        if (checkpointPath is not null) TrainerCheckpoint.Save(checkpointPath, run, parameters, optimizer, step, finished: true, best.Loss, best.Values);
        return losses;
    }

    private static IEnumerable<string> Texts(IEnumerable<CandidateList> lists) =>
        lists.SelectMany(l => l.Passages.Prepend(l.Query).Concat(l.Targets.Select(t => t.ToString("R", System.Globalization.CultureInfo.InvariantCulture))).Append(""));

    /// <summary>Mean loss of lists scored without training (no dropout, no gradients).</summary>
    public double Loss(IReadOnlyList<CandidateList> lists)
    {
        int n = lists[0].Passages.Count;
        var dScores = new float[options.ListsPerStep * n];
        return Scored(lists).Sum(c => c.Lists.Length * Listwise.Compute(options.Loss, c.Scores, c.Lists.SelectMany(l => l.Targets).ToArray(),
            new ListBatch(c.Lists.Length, n), dScores.AsSpan(0, c.Scores.Length))) / lists.Count;
    }

    /// <summary>1 − the mean Spearman correlation between each list's scores (without training) and its targets.</summary>
    public double Disagreement(IReadOnlyList<CandidateList> lists)
    {
        int n = lists[0].Passages.Count;
        return 1 - Scored(lists).Sum(c => c.Lists.Select((l, i) => Correlation.Spearman(
            c.Scores.AsSpan(i * n, n).ToArray().Select(x => (double)x).ToList(), l.Targets.Select(x => (double)x).ToList())).Sum()) / lists.Count;
    }

    private IEnumerable<(CandidateList[] Lists, float[] Scores)> Scored(IReadOnlyList<CandidateList> lists) =>
        lists.Chunk(options.ListsPerStep).Select(chunk =>
            (chunk, model.Forward(chunk.SelectMany(l => l.Passages.Select(p => model.EncodePair(l.Query, p))).ToList())));
}
