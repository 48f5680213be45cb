using D2LLM.Evaluation;
using D2LLM.Models;
using D2LLM.Models.Tests;
using D2LLM.Student;
using D2LLM.Teacher;
using D2LLM.Training;

namespace D2LLM.Tests;

/// <summary>A small distillation: a fixture model judges, a fixture backbone's heads learn to agree with it.</summary>
public class DistillationTests
{
    [Fact]
    public void BatchesAndPlan_AreDeterministic_AndCoverEveryPairTheLossesNeed()
    {
        var examples = Enumerable.Range(0, 10).Select(i => new TrainingExample($"q{i}", $"p{i}", new[] { $"n{i}a", $"n{i}b" })).ToList();
        var a = StudentTrainer.Batches(examples, 4, seed: 7);
        var b = StudentTrainer.Batches(examples, 4, seed: 7);
        Assert.Equal(2, a.Count);
        Assert.Equal(a.SelectMany(x => x).Select(e => e.Query), b.SelectMany(x => x).Select(e => e.Query));
        var plan = StudentTrainer.Plan(a).ToList();
        Assert.Equal(8, plan.Count);
        var first = a[0][0];
        Assert.Equal(new[] { first.Positive }.Concat(first.Negatives).Concat(a[0].Select(e => e.Positive)), plan[0].Passages);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Training_RaisesAgreementWithTheTeacher(bool lora)
    {
        using var teacherFolder = new FixtureModel("tiny-qwen2-a");
        using var backboneFolder = new FixtureModel("tiny-qwen3-a");
        using var teacherModel = Backbones.LoadDecoder(teacherFolder.Path);
        using var backbone = Backbones.LoadDecoder(backboneFolder.Path);
        var teacher = new TeacherModel(teacherModel, TeacherPrompt.Named("d2llm-en-asym"));

        var rng = new Random(5);
        string[] words = "estrogen receptor binds cancer cells gene protein blood heart brain lung liver kidney drug dose trial mouse rat human".Split(' ');
        string Sentence() => string.Join(' ', Enumerable.Range(0, 3 + rng.Next(4)).Select(_ => words[rng.Next(words.Length)]));
        var examples = Enumerable.Range(0, 24).Select(_ => new TrainingExample(Sentence(), Sentence(), new[] { Sentence(), Sentence(), Sentence() })).ToList();
        var options = new DistillationOptions { BatchQueries = 4, HardNegatives = 3, MaxSteps = 300, WarmupSteps = 10, LearningRate = 1e-2f, Budget = TimeSpan.FromMinutes(2) };
        var batches = StudentTrainer.Batches(examples, options.BatchQueries, options.Seed);
        var plan = StudentTrainer.Plan(batches).ToList();
        var states = new TokenStates(backbone, maxTokens: 64);
        states.Add(plan.SelectMany(p => p.Passages.Prepend(p.Query)));
        var judgements = new TeacherJudgements();
        judgements.Fill(teacher, plan);

        var heads = new StudentHeads(new HeadsOptions(backbone.HiddenSize, PmaHeads: 2, IemHidden: 32));
        ITokenEncoder encoder = lora ? new LoraEncoder(backbone, new LoraOptions { Rank = 4, Alpha = 4, Dropout = 0 }, 64, seed: 3) : states;
        double before = TeacherAgreement.Spearman(heads, encoder, judgements, plan, options.Task);
        var trainer = new StudentTrainer(heads, encoder, judgements, options);
        var history = trainer.Train(batches);
        double after = TeacherAgreement.Spearman(heads, encoder, judgements, plan, options.Task);
        if (lora) Assert.Contains(backbone.LoraParameters(), p => p.Name.EndsWith("lora_B.weight") && p.Value.Any(x => x != 0));

        Assert.Equal(300, history.Count);
        Assert.True(history.TakeLast(20).Average(s => s.Total) < history.Take(20).Average(s => s.Total), "training loss did not fall");
        Assert.True(after > before + 0.2 && after > 0.25, $"agreement {before:F3} → {after:F3}");
    }
}

public class JudgementStoreTests
{
    [Fact]
    public void AKilledRun_ResumesWithEverythingStored_AndScoresNoPairTwice()
    {
        using var teacherFolder = new FixtureModel("tiny-qwen2-a");
        using var teacherModel = Backbones.LoadDecoder(teacherFolder.Path);
        var teacher = new TeacherModel(teacherModel, TeacherPrompt.Named("d2llm-en-asym"));
        using var dir = new TempDirectory();
        string path = dir.File("judgements.bin");
        var groups = Enumerable.Range(0, 6).Select(i => ($"query {i}", (IReadOnlyList<string>)new[] { $"passage {i} a", $"passage {i} b", "shared passage" })).ToList();

        long afterFour;
        using (var first = TeacherJudgements.Open(path, teacher))
        {
            first.Fill(teacher, groups.Take(4));
            Assert.Equal(12, first.Scored);
            afterFour = new FileInfo(path).Length;
        }

        // A crash in the middle of writing the fifth group: a torn record at the end of the file.
        using (var f = new FileStream(path, FileMode.Append)) f.Write(new byte[] { 200, 1, 0, 0, 7, 7, 7 });

        using (var second = TeacherJudgements.Open(path, teacher))
        {
            Assert.Equal(12, second.Count);
            Assert.Equal(afterFour, new FileInfo(path).Length);
            second.Fill(teacher, groups);
            Assert.Equal(6, second.Scored);
            var fresh = teacher.ScoreCandidates("query 2", groups[2].Item2, withFeatures: true);
            Assert.Equal(fresh[1].YesLogit, second["query 2", "passage 2 b"].YesLogit);
            Assert.Equal(fresh[1].Feature, second["query 2", "passage 2 b"].Feature);
        }

        using (var third = TeacherJudgements.Open(path, teacher))
        {
            third.Fill(teacher, groups);
            Assert.Equal(0, third.Scored);
            Assert.Equal(18, third.Count);
        }

        var other = new TeacherModel(teacherModel, TeacherPrompt.Named("d2llm-en-sym"));
        Assert.Contains("judgements of another teacher: the prompt differs", Assert.Throws<InvalidDataException>(() => TeacherJudgements.Open(path, other)).Message);
    }

    [Fact]
    public void AFlippedByteInTheMiddle_CostsOneRecord_AndTheFileIsRepaired()
    {
        using var teacherFolder = new FixtureModel("tiny-qwen2-a");
        using var teacherModel = Backbones.LoadDecoder(teacherFolder.Path);
        var teacher = new TeacherModel(teacherModel, TeacherPrompt.Named("d2llm-en-asym"));
        using var dir = new TempDirectory();
        string path = dir.File("judgements.bin");
        var groups = Enumerable.Range(0, 5).Select(i => ($"query {i}", (IReadOnlyList<string>)new[] { $"passage {i} a", $"passage {i} b" })).ToList();
        using (var first = TeacherJudgements.Open(path, teacher)) first.Fill(teacher, groups);
        long length = new FileInfo(path).Length;

        // One flipped byte inside the fourth of ten records (the records are of nearly equal size).
        var bytes = File.ReadAllBytes(path);
        long headerEnd = Array.IndexOf(bytes, (byte)'\n', Array.IndexOf(bytes, (byte)'\n') + 1) + 1;
        long record = (length - headerEnd) / 10;
        bytes[headerEnd + 3 * record + record / 2] ^= 0x20;
        File.WriteAllBytes(path, bytes);

        using (var second = TeacherJudgements.Open(path, teacher))
        {
            Assert.Equal(9, second.Count);
            Assert.InRange(second.SkippedBytes, record - 8, record + 8);
            second.Fill(teacher, groups);
            Assert.Equal(1, second.Scored);
        }

        using (var third = TeacherJudgements.Open(path, teacher))
        {
            Assert.Equal(0, third.SkippedBytes);
            Assert.Equal(10, third.Count);
            var fresh = teacher.ScoreCandidates("query 1", groups[1].Item2, withFeatures: true);
            Assert.Equal(fresh[1].YesLogit, third["query 1", "passage 1 b"].YesLogit, 1e-5f);
        }

        Assert.False(File.Exists(path + ".partial"));
    }

    [Fact]
    public void JudgementsOfATeacherWhoseWeightsChangedInPlace_AreRefusedByName()
    {
        using var teacherFolder = new FixtureModel("tiny-qwen2-a");
        using var dir = new TempDirectory();
        string path = dir.File("judgements.bin");
        var groups = new[] { ("query", (IReadOnlyList<string>)new[] { "passage" }) };
        using (var model = Backbones.LoadDecoder(teacherFolder.Path))
        {
            var teacher = new TeacherModel(model, TeacherPrompt.Named("d2llm-en-asym"));
            using var judgements = TeacherJudgements.Open(path, teacher);
            judgements.Fill(teacher, groups);
        }

        // Same folder, same prompt; one weight's lowest mantissa byte changed (the value stays finite).
        string weights = teacherFolder.File("model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        File.Delete(weights);
        bytes[^4] ^= 1;
        File.WriteAllBytes(weights, bytes);
        using var changed = Backbones.LoadDecoder(teacherFolder.Path);
        var error = Assert.Throws<InvalidDataException>(() => TeacherJudgements.Open(path, new TeacherModel(changed, TeacherPrompt.Named("d2llm-en-asym"))));
        Assert.Contains("judgements of another teacher: the teacher's weights differ", error.Message);
        Assert.StartsWith(path, error.Message);
    }
}

public class TrainerResumeTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AStoppedRun_ContinuesFromItsCheckpoint_WithStoredJudgements_ExactlyAsIfUninterrupted(bool lora)
    {
        using var backboneFolder = new FixtureModel("tiny-qwen3-a");
        using var teacherFolder = new FixtureModel("tiny-qwen2-a");
        using var backbone = Backbones.LoadDecoder(backboneFolder.Path);
        var backbones = new List<IDecoder>();
        using var teacherModel = Backbones.LoadDecoder(teacherFolder.Path);
        var teacher = new TeacherModel(teacherModel, TeacherPrompt.Named("d2llm-en-asym"));
        var examples = Enumerable.Range(0, 12).Select(i => new TrainingExample($"query {i}", $"answer {i}", new[] { $"other {i}", $"more {i * 7}" })).ToList();
        var batches = StudentTrainer.Batches(examples, 3, seed: 1);
        var plan = StudentTrainer.Plan(batches).ToList();
        var states = new TokenStates(backbone, 32);
        states.Add(plan.SelectMany(p => p.Passages.Prepend(p.Query)));
        using var dir = new TempDirectory();
        string store = dir.File("judgements.bin"), checkpoint = dir.File("trainer.safetensors");
        DistillationOptions Options(int steps) => new() { BatchQueries = 3, HardNegatives = 2, MaxSteps = steps, CheckpointEvery = 7, ValidateEvery = 5, WarmupSteps = 4 };
        StudentHeads Heads() => new(new HeadsOptions(16, PmaHeads: 2, IemHidden: 8));
        // LoRA mode: each run on its own copy of the backbone with the same adapters (dropout on, so its masks matter).
        ITokenEncoder Encoder()
        {
            if (!lora) return states;
            var model = Backbones.LoadDecoder(backboneFolder.Path);
            backbones.Add(model);
            return new LoraEncoder(model, new LoraOptions { Rank = 2, Alpha = 2, Dropout = 0.2f }, 32, seed: 5);
        }

        // No validation set: the best-parameters restore at the end would otherwise hide differences in late steps.
        var validation = new List<TrainingExample[]>();

        // The interrupted run: judges half the plan, is stopped, judges the rest, trains 18 of 30 steps.
        using (var firstJudgements = TeacherJudgements.Open(store, teacher))
        {
            firstJudgements.Fill(teacher, plan.Take(plan.Count / 2));
        }

        using var judgements = TeacherJudgements.Open(store, teacher);
        judgements.Fill(teacher, plan);
        Assert.Equal(plan.Skip(plan.Count / 2).Sum(p => p.Passages.Distinct().Count()), judgements.Scored);
        var first = Heads();
        Assert.Equal(18, new StudentTrainer(first, Encoder(), judgements, Options(18)).Train(batches, validation, checkpoint).Count);

        // Started again: nothing is judged twice, training continues at step 18.
        using var reopened = TeacherJudgements.Open(store, teacher);
        reopened.Fill(teacher, plan);
        Assert.Equal(0, reopened.Scored);
        var resumed = Heads();
        var resumedEncoder = Encoder();
        var resumedTrainer = new StudentTrainer(resumed, resumedEncoder, reopened, Options(30));
        Assert.Equal(12, resumedTrainer.Train(batches, validation, checkpoint).Count);
        Assert.Equal(30, resumedTrainer.CompletedSteps);

        // The checkpoint is refused, naming what differs, for other options or other data; never resumed silently.
        var otherOptions = Options(40);
        otherOptions.LearningRate = 3e-4f;
        var error = Assert.Throws<InvalidDataException>(() => new StudentTrainer(Heads(), states, reopened, otherOptions).Train(batches, validation, checkpoint));
        Assert.Contains("a checkpoint of another training run (", error.Message);
        Assert.Contains("LearningRate 0.001 there, 0.0003 now", error.Message);
        if (!lora)
        {
            var reordered = batches.AsEnumerable().Reverse().ToList();
            error = Assert.Throws<InvalidDataException>(() => new StudentTrainer(Heads(), states, reopened, Options(40)).Train(reordered, validation, checkpoint));
            Assert.Contains("the training data or the trained parameters differ", error.Message);
        }

        var straight = Heads();
        var straightEncoder = Encoder();
        new StudentTrainer(straight, straightEncoder, judgements, Options(30)).Train(batches, validation);

        foreach (var (a, b) in straight.Parameters.Concat(straightEncoder.Parameters).Zip(resumed.Parameters.Concat(resumedEncoder.Parameters)))
            Assert.Equal(a.Value, b.Value);
        foreach (var model in backbones) model.Dispose();
    }
}

public class ShardTests
{
    [Fact]
    public void TwoShardsMerged_EqualOneProcess()
    {
        using var teacherFolder = new FixtureModel("tiny-qwen2-a");
        using var teacherModel = Backbones.LoadDecoder(teacherFolder.Path);
        var teacher = new TeacherModel(teacherModel, TeacherPrompt.Named("d2llm-en-asym"));
        using var dir = new TempDirectory();
        var groups = Enumerable.Range(0, 9).Select(i => ($"question {i}?", (IReadOnlyList<string>)new[] { $"answer {i}", $"unrelated {i}", "a shared passage" })).ToList();

        using (var single = TeacherJudgements.Open(dir.File("single.bin"), teacher)) single.Fill(teacher, groups);
        for (int shard = 1; shard <= 2; shard++)
        {
            using var part = TeacherJudgements.Open(dir.File($"shard{shard}.bin"), teacher);
            part.Fill(teacher, groups.Where(g => TeacherJudgements.OwnsQuery(g.Item1, shard, 2)));
            Assert.InRange(part.Scored, 3, 24);
        }

        Assert.Equal(27, JudgementStore.Merge(new[] { dir.File("shard1.bin"), dir.File("shard2.bin") }, dir.File("merged.bin")));
        using var expected = TeacherJudgements.Open(dir.File("single.bin"), teacher);
        using var merged = TeacherJudgements.Open(dir.File("merged.bin"), teacher);
        Assert.Equal(27, merged.Count);
        foreach (var (query, passages) in groups)
        {
            foreach (var passage in passages)
            {
                Assert.Equal(expected[query, passage].YesLogit, merged[query, passage].YesLogit);
                Assert.Equal(expected[query, passage].NoLogit, merged[query, passage].NoLogit);
                Assert.Equal(expected[query, passage].Feature, merged[query, passage].Feature);
            }
        }

        var other = new TeacherModel(teacherModel, TeacherPrompt.Named("d2llm-en-sym"));
        using (var o = TeacherJudgements.Open(dir.File("other.bin"), other)) o.Fill(other, groups.Take(1));
        Assert.Contains("judgements of another teacher than", Assert.Throws<InvalidDataException>(() =>
            JudgementStore.Merge(new[] { dir.File("shard1.bin"), dir.File("other.bin") }, dir.File("bad.bin"))).Message);
        Assert.False(File.Exists(dir.File("bad.bin")));
        Assert.False(File.Exists(dir.File("bad.bin.partial")));
    }
}
