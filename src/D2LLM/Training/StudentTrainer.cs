using System.Diagnostics;
using D2LLM.Losses;
using D2LLM.Student;
using D2LLM.Tensors;
using D2LLM.Tensors.Optim;

namespace D2LLM.Training;

/// <summary>
/// D2LLM training of the heads (PMA + IEM) over an <see cref="ITokenEncoder"/>: heads-only on cached states of a
/// frozen backbone (the fast path on a CPU), or LoRA + heads through the backbone (the paper's setting).
/// Batches are deterministic (seeded shuffle, B queries each with its positive and K hard negatives, one task).
/// Per step: Zin = IEM(query i, positive j) for all i, j; Zh = IEM(query i, candidate c); the five losses of
/// docs/method.md A.5 against the teacher's judgements; backward through IEM and PMA; clipping; AdamW.
/// </summary>
public sealed class StudentTrainer
{
    private readonly StudentHeads _heads;
    private readonly ITokenEncoder _encoder;
    private readonly TeacherJudgements _teacher;
    private readonly DistillationOptions _options;
    private readonly AdamW _optimizer;

    public StudentTrainer(StudentHeads heads, ITokenEncoder encoder, TeacherJudgements teacher, DistillationOptions options)
    {
        _heads = heads;
        _encoder = encoder;
        _teacher = teacher;
        _options = options;
        _optimizer = new AdamW(Parameters, new AdamWOptions { Beta1 = 0.8f, Beta2 = 0.999f, Epsilon = 1e-6f, WeightDecay = 0.01f });
    }

    /// <summary>Everything trained: the heads, then the encoder's own parameters (LoRA).</summary>
    public IEnumerable<Tensors.Optim.Parameter> Parameters => _heads.Parameters.Concat(_encoder.Parameters);

    /// <summary>The fixed batch sequence: examples shuffled with the seed, cut into groups of B (a short tail is dropped).</summary>
    public static List<TrainingExample[]> Batches(IReadOnlyList<TrainingExample> examples, int batchQueries, int seed)
    {
        var order = examples.ToArray();
        new Random(seed).Shuffle(order);
        return order.Chunk(batchQueries).Where(c => c.Length == batchQueries).ToList();
    }

    /// <summary>Every (query, passage) the losses of a batch need: candidates first, then the batch's other positives.</summary>
    public static IEnumerable<(string Query, IReadOnlyList<string> Passages)> Plan(IEnumerable<TrainingExample[]> batches) =>
        batches.SelectMany(batch => batch.Select(e =>
            (e.Query, (IReadOnlyList<string>)new[] { e.Positive }.Concat(e.Negatives).Concat(batch.Select(o => o.Positive)).ToList())));

    /// <summary>
    /// Trains over the batches (cycling) until the step limit, the time budget or early stopping. Every
    /// <see cref="DistillationOptions.ValidateEvery"/> steps the in-batch loss on <paramref name="validation"/> is
    /// measured; the best parameters are restored at the end. With a <paramref name="checkpointPath"/>, state is saved
    /// every <see cref="DistillationOptions.CheckpointEvery"/> steps or <see cref="DistillationOptions.CheckpointInterval"/>,
    /// and when training stops; a run resumes from it (a checkpoint of other data or options is refused). Returns this
    /// call's steps; <see cref="CompletedSteps"/> counts those of earlier runs too.
    /// </summary>
    public List<StepLosses> Train(IReadOnlyList<TrainingExample[]> batches, IReadOnlyList<TrainingExample[]>? validation = null,
        string? checkpointPath = null, Action<StepLosses>? onStep = null, Action<int, double>? onValidation = null, CancellationToken cancellationToken = default)
    {
        if (batches.Count == 0) throw new ArgumentException("no training batches (fewer examples than one batch)", nameof(batches));
        var parameters = Parameters.ToList();
        var schedule = new LearningRateSchedule(_options.LearningRate, _options.WarmupSteps, _options.MaxSteps, DecayShape.Constant);
        var history = new List<StepLosses>();
        var clock = Stopwatch.StartNew();
        var best = new BestParameters(parameters, _options.Patience);
        var run = TrainingRun.Of(_options, Texts(batches).Append("validation").Concat(Texts(validation ?? [])), parameters,
            nameof(DistillationOptions.Budget), nameof(DistillationOptions.MaxSteps), nameof(DistillationOptions.CheckpointEvery), nameof(DistillationOptions.CheckpointInterval));
        var (start, stopEarly) = TrainerCheckpoint.Resume(checkpointPath, run, parameters, _optimizer, best);
        var saving = new CheckpointSchedule(_options.CheckpointEvery, _options.CheckpointInterval);
        int saved = CompletedSteps = start;

        for (int step = start; !stopEarly && step < _options.MaxSteps && clock.Elapsed < _options.Budget; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var p in parameters) p.ZeroGrad();
            _encoder.BeginStep(step);
            var losses = Step(batches[step % batches.Count], step);
            GradientClipping.ClipGlobalNorm(parameters, _options.ClipNorm);
            _optimizer.Step(schedule.At(step));
            history.Add(losses);
            CompletedSteps = step + 1;
            onStep?.Invoke(losses);

            if (validation is { Count: > 0 } && (CompletedSteps % _options.ValidateEvery == 0 || CompletedSteps == _options.MaxSteps))
            {
                double loss = Validate(validation);
                onValidation?.Invoke(CompletedSteps, loss);
                stopEarly = best.Record(loss);
            }

            if (checkpointPath is not null && saving.Due(CompletedSteps))
            {
                TrainerCheckpoint.Save(checkpointPath, run, parameters, _optimizer, saved = CompletedSteps, stopEarly, best.Loss, best.Values);
                saving.Saved();
            }
        }

        if (checkpointPath is not null && saved != CompletedSteps)
            TrainerCheckpoint.Save(checkpointPath, run, parameters, _optimizer, CompletedSteps, stopEarly, best.Loss, best.Values);
        best.Restore();
        return history;
    }

    /// <summary>Optimiser steps the parameters have had, counting those of runs this one resumed.</summary>
    public int CompletedSteps { get; private set; }

    private static IEnumerable<string> Texts(IEnumerable<TrainingExample[]> batches) =>
        batches.SelectMany(batch => batch.SelectMany(e => e.Negatives.Prepend(e.Positive).Prepend(e.Query).Append("")));

    /// <summary>Mean in-batch loss (the reference's validation loss) over held-out batches.</summary>
    public double Validate(IReadOnlyList<TrainingExample[]> batches) => batches.Average(batch =>
    {
        var q = _encoder.Encode(batch.Select(e => e.Query).ToList(), training: false);
        var p = _encoder.Encode(batch.Select(e => e.Positive).ToList(), training: false);
        int b = batch.Length;
        var qi = Enumerable.Range(0, b * b).Select(x => x / b).ToArray();
        var di = Enumerable.Range(0, b * b).Select(x => x % b).ToArray();
        var zin = _heads.Iem.Forward(_heads.Pma.Forward(q.States, q.Starts), _heads.Pma.Forward(p.States, p.Starts), qi, di, _options.Task);
        return InBatchContrastive.Compute(zin, b, _options.TauInBatch, default);
    });

    private StepLosses Step(TrainingExample[] batch, int step)
    {
        int b = batch.Length, k = _options.HardNegatives, n = k + 1, h = _heads.Iem.Hidden;
        var shape = new BatchShape(b, k);
        var queries = batch.Select(e => e.Query).ToList();
        var passages = batch.Select(e => e.Positive).Concat(batch.SelectMany(e => e.Negatives.Take(k))).ToList();

        var queryCache = new PmaCache();
        var passageCache = new PmaCache();
        var encodedQueries = _encoder.Encode(queries, training: true);
        var encodedPassages = _encoder.Encode(passages, training: true);
        var u = _heads.Pma.Forward(encodedQueries.States, encodedQueries.Starts, null, queryCache);
        var v = _heads.Pma.Forward(encodedPassages.States, encodedPassages.Starts, null, passageCache);

        // Pairs: b·b in-batch (query i, positive j), then b·(k+1) candidates (positive, then negatives).
        var qi = new int[b * b + b * n];
        var di = new int[qi.Length];
        for (int i = 0; i < b; i++)
        {
            for (int j = 0; j < b; j++) (qi[i * b + j], di[i * b + j]) = (i, j);
            for (int c = 0; c < n; c++) (qi[b * b + i * n + c], di[b * b + i * n + c]) = (i, c == 0 ? i : b + i * k + c - 1);
        }

        var iemCache = new IemCache();
        var logits = _heads.Iem.Forward(u, v, qi, di, _options.Task, iemCache);
        var zin = logits.AsSpan(0, b * b).ToArray();
        var zh = logits.AsSpan(b * b, b * n).ToArray();
        var features = _heads.Iem.Features(iemCache).Data.AsSpan(b * b * h, b * n * h).ToArray();

        var sin = new float[b * b];
        var sh = new float[b * n];
        var teacherCosines = new float[b * n * n];
        for (int i = 0; i < b; i++)
        {
            for (int j = 0; j < b; j++) sin[i * b + j] = (float)_teacher[queries[i], batch[j].Positive].Probability;
            var candidateFeatures = new float[n][];
            for (int c = 0; c < n; c++)
            {
                var s = _teacher[queries[i], c == 0 ? batch[i].Positive : batch[i].Negatives[c - 1]];
                sh[i * n + c] = (float)s.Probability;
                candidateFeatures[c] = s.Feature!;
            }

            for (int c = 0; c < n; c++)
                for (int e = 0; e < n; e++) teacherCosines[i * n * n + c * n + e] = Cosine(candidateFeatures[c], candidateFeatures[e]);
        }

        var dZin = new float[b * b];
        var dZh = new float[b * n];
        var dF = new float[b * n * h];
        double ib = InBatchContrastive.Compute(zin, b, _options.TauInBatch, dZin);
        double ci = ContrastiveImitation.Compute(zh, sh, shape, _options.TauHard, _options.Alpha, dZh);
        double rp = PearsonRankImitation.Compute(zh, sh, shape, _options.Beta, dZh);
        double rb = BprRankImitation.Compute(zh, zin, sh, sin, shape, _options.Gamma, _options.Lambda, dZh, dZin);
        double fi = FeatureImitation.Compute(features, teacherCosines, shape, h, _options.Eta, dF);

        var dLogits = dZin.Concat(dZh).ToArray();
        var dFeatures = new float[qi.Length * h];
        dF.CopyTo(dFeatures, b * b * h);
        var (du, dv) = _heads.Iem.Backward(dLogits, Tensor.Wrap(dFeatures, qi.Length, h), iemCache);
        _encoder.Backward(encodedQueries, _heads.Pma.Backward(du, queryCache));
        _encoder.Backward(encodedPassages, _heads.Pma.Backward(dv, passageCache));
        return new StepLosses(step, ib, ci, rp, rb, fi);
    }

    private static float Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }

        return (float)(dot / Math.Sqrt(Math.Max(na * nb, 1e-24)));
    }
}
