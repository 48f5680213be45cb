using D2LLM.Data;
using D2LLM.Models;
using D2LLM.Tensors.Optim;

namespace D2LLM.Teacher;

/// <summary>
/// The paper's LLM-ce-ft: the teacher fine-tuned on labelled pairs with its own yes/no objective. With the margin
/// m = (logit_yes − logit_no)/T at the prompt's last position and label y ∈ {0, 1},
///   L = softplus(m) − y·m   (the binary cross-entropy of σ(m)),   dL/dm = σ(m) − y,
/// and since the logits are rows of the output head applied to the final hidden state h,
///   dL/dh_last = (σ(m) − y)·(W_head[yes] − W_head[no]) / T,
/// which flows back through the decoder into the LoRA adapters or the full layer weights. AdamW, warm-up then
/// linear decay, global-norm clipping; batches shuffled with the seed.
/// </summary>
public sealed class TeacherFineTuner
{
    private readonly TeacherModel _teacher;
    private readonly TeacherTuningOptions _options;
    private readonly List<Parameter> _parameters;
    private readonly AdamW _optimizer;
    private readonly float[] _direction;
    // Replaced each step by a generator seeded with (seed, step), so a resumed run draws the same dropout masks.
    private Random _dropout;

    public TeacherFineTuner(TeacherModel teacher, TeacherTuningOptions options)
    {
        _teacher = teacher;
        _options = options;
        var model = teacher.Model;
        if (options.Mode == TeacherTuningMode.Lora)
        {
            if (!model.HasLora) model.AddLora(new LoraOptions { Rank = options.LoraRank, Alpha = options.LoraRank, Dropout = options.LoraDropout }, options.Seed);
            _parameters = model.LoraParameters().ToList();
        }
        else
        {
            _parameters = model.MakeTrainable().ToList();
        }

        _optimizer = new AdamW(_parameters);
        int h = model.HiddenSize;
        var yes = new float[h];
        var no = new float[h];
        model.OutputRow(teacher.YesId, yes);
        model.OutputRow(teacher.NoId, no);
        _direction = yes.Zip(no, (a, b) => (a - b) / teacher.Temperature).ToArray();
        _dropout = new Random(options.Seed);
    }

    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Mean loss of a batch, without gradients and without dropout.</summary>
    public double Loss(IReadOnlyList<TextPair> batch) => Run(batch, backward: false);

    /// <summary>Mean loss of a batch and its gradients (added into the parameters' Grad), with dropout.</summary>
    public double LossAndGradient(IReadOnlyList<TextPair> batch) => Run(batch, backward: true);

    private double Run(IReadOnlyList<TextPair> batch, bool backward)
    {
        var model = _teacher.Model;
        var tokens = TokenBatch.Pack(batch.Select(p => _teacher.Encode(p.Text1, p.Text2)).ToList());
        var pass = backward ? new BackbonePass(tokens, _dropout) : null;
        var hidden = model.Forward(tokens, pass);
        var logits = model.LastLogits(hidden, tokens, new[] { _teacher.YesId, _teacher.NoId });
        int h = model.HiddenSize;
        var dHidden = new float[tokens.Tokens * h];
        double loss = 0;
        for (int b = 0; b < batch.Count; b++)
        {
            double m = (logits[2 * b] - logits[2 * b + 1]) / _teacher.Temperature, y = batch[b].Label > 0 ? 1 : 0;
            loss += Math.Max(m, 0) + Math.Log(1 + Math.Exp(-Math.Abs(m))) - y * m;
            float g = (float)((1 / (1 + Math.Exp(-m)) - y) / batch.Count);
            System.Numerics.Tensors.TensorPrimitives.Multiply(_direction, g, dHidden.AsSpan(tokens.Last(b) * h, h));
        }

        if (pass is null) return loss / batch.Count;
        var dOutput = model.Kernels.Allocate(tokens.Tokens, h);
        model.Kernels.CopyFrom(dHidden, dOutput);
        model.Backward(pass, dOutput);
        return loss / batch.Count;
    }

    /// <summary>
    /// Trains over the labelled pairs (0/1) for the configured epochs or until the budget ends; reports each step's
    /// (step, total steps, loss) and returns the losses of this run (<see cref="CompletedSteps"/> counts earlier runs'
    /// too). With a <paramref name="checkpointPath"/>, the state (parameters, AdamW moments, steps done) is saved every
    /// <see cref="TeacherTuningOptions.CheckpointEvery"/> steps or <see cref="TeacherTuningOptions.CheckpointInterval"/>
    /// and when training stops, and a run resumes from it exactly: each epoch's order and each step's dropout are drawn
    /// from seeds of their own. A checkpoint of other pairs or options is refused.
    /// </summary>
    public List<double> Train(IReadOnlyList<TextPair> pairs, Action<int, int, double>? onStep = null, string? checkpointPath = null,
        CancellationToken cancellationToken = default)
    {
        if (pairs.Any(p => p.Label is not (0 or 1))) throw new ArgumentException("teacher fine-tuning needs 0/1 labels (a pair-classification file)");
        int perEpoch = pairs.Count / _options.BatchSize, total = perEpoch * _options.Epochs;
        if (total == 0) throw new ArgumentException($"fewer pairs ({pairs.Count}) than one batch ({_options.BatchSize})");
        var schedule = new LearningRateSchedule(_options.PeakLearningRate, Math.Max(1, total / 20), total, DecayShape.Linear);
        var run = Training.TrainingRun.Of(_options, pairs.Select(p => $"{p.Text1}\u0001{p.Text2}\u0001{p.Label}"), _parameters,
            nameof(_options.Budget), nameof(_options.CheckpointEvery), nameof(_options.CheckpointInterval));
        int start = 0;
        if (checkpointPath is not null && File.Exists(checkpointPath))
            start = Training.TrainerCheckpoint.Load(checkpointPath, run, _parameters, _optimizer).Steps;
        int saved = CompletedSteps = start;
        var saving = new Training.CheckpointSchedule(_options.CheckpointEvery, _options.CheckpointInterval);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var losses = new List<double>();
        int[]? order = null;
        for (int step = start; step < total && !(_options.Budget is { } budget && clock.Elapsed > budget); step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int epoch = step / perEpoch, s = step % perEpoch;
            if (order is null || s == 0)
            {
                order = Enumerable.Range(0, pairs.Count).ToArray();
                new Random(_options.Seed + epoch).Shuffle(order);
            }

            foreach (var p in _parameters) p.ZeroGrad();
            _dropout = new Random(unchecked(_options.Seed * 1_000_003 + step));
            double loss = LossAndGradient(order.Skip(s * _options.BatchSize).Take(_options.BatchSize).Select(i => pairs[i]).ToList());
            GradientClipping.ClipGlobalNorm(_parameters, _options.ClipNorm);
            _optimizer.Step(schedule.At(step));
            losses.Add(loss);
            CompletedSteps = step + 1;
            onStep?.Invoke(step + 1, total, loss);
            if (checkpointPath is not null && saving.Due(CompletedSteps))
            {
                Training.TrainerCheckpoint.Save(checkpointPath, run, _parameters, _optimizer, saved = CompletedSteps, CompletedSteps == total, double.NaN, null);
                saving.Saved();
            }
        }

        if (checkpointPath is not null && saved != CompletedSteps)
            Training.TrainerCheckpoint.Save(checkpointPath, run, _parameters, _optimizer, CompletedSteps, CompletedSteps == total, double.NaN, null);
        Finished = CompletedSteps == total;
        return losses;
    }

    /// <summary>Optimiser steps the parameters have had, counting those of runs this one resumed.</summary>
    public int CompletedSteps { get; private set; }

    /// <summary>Whether the last <see cref="Train"/> did every step of its epochs (false: the budget ended it first).</summary>
    public bool Finished { get; private set; }
}
