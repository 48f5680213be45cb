using System.Diagnostics;
using D2LLM.Losses;
using D2LLM.Student;
using D2LLM.Tensors.Optim;

namespace D2LLM.Training;

/// <summary>
/// D2LLM training of the heads (PMA + IEM) over an <see cref="ITokenEncoder"/>: heads-only on cached states of a
/// frozen backbone (the fast path on a CPU), or LoRA + heads through the backbone (the paper's setting).
/// Batches are deterministic (seeded shuffle, B queries each with its positive and K hard negatives, one task).
/// Per step: Zin = IEM(query i, positive j) for all i, j; Zh = IEM(query i, candidate c); the five losses of
/// docs/method.md A.5 against the teacher's judgements (<see cref="StepTargets"/>); backward through IEM and PMA
/// (<see cref="IHeadsStep"/>: on the CPU engine, or a torch device) and the encoder; clipping; AdamW.
/// </summary>
public sealed class StudentTrainer
{
    private readonly StudentHeads _heads;
    private readonly ITokenEncoder _encoder;
    private readonly TeacherJudgements _teacher;
    private readonly DistillationOptions _options;
    private readonly AdamW _optimizer;
    private readonly IHeadsStep _headsStep;

    /// <param name="heads">PMA and IEM, trained (host parameters)</param>
    /// <param name="encoder">where the token states come from (cached, or a backbone with LoRA)</param>
    /// <param name="teacher">the teacher's judgements of every pair the batches need</param>
    /// <param name="options">training hyper-parameters</param>
    /// <param name="headsStep">where the heads' half of each step computes: the CPU engine (default) or a torch device</param>
    public StudentTrainer(StudentHeads heads, ITokenEncoder encoder, TeacherJudgements teacher, DistillationOptions options, IHeadsStep? headsStep = null)
    {
        _heads = heads;
        _headsStep = headsStep ?? new HostHeadsStep(heads, options);
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
        int k = _options.HardNegatives;
        var targets = StepTargets.Of(batch, _teacher, k);
        var queries = _encoder.Encode(batch.Select(e => e.Query).ToList(), training: true);
        var passages = _encoder.Encode(batch.Select(e => e.Positive).Concat(batch.SelectMany(e => e.Negatives.Take(k))).ToList(), training: true);
        var r = _headsStep.Run(queries, passages, targets);
        _encoder.Backward(queries, r.DQueryStates);
        _encoder.Backward(passages, r.DPassageStates);
        return new StepLosses(step, r.InBatch, r.Contrastive, r.Pearson, r.Bpr, r.Feature);
    }
}
