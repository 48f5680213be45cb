using D2LLM.Models;
using D2LLM.Models.Tests;
using D2LLM.Student;
using D2LLM.Tensors;

namespace D2LLM.Tests;

public class StudentFolderTests
{
    [Fact]
    public void SaveThenLoad_GivesTheSameEmbeddingsAndScores()
    {
        using var backboneFolder = new FixtureModel("tiny-qwen3-a");
        using var dir = new TempDirectory();
        var heads = new StudentHeads(new HeadsOptions(16, PmaHeads: 2, IemHidden: 8, Seed: 4));
        var config = new StudentConfig { Backbone = backboneFolder.Path, Dim = 16, PmaHeads = 2, PmaVariant = "standard", IemHidden = 8 };
        string folder = Path.Combine(dir.Path, "student");
        StudentModel.Save(folder, config, heads);

        var texts = new[] { "what binds the receptor", "雌激素受体", "a third text" };
        float[] expected;
        using (var backbone = Backbones.LoadDecoder(backboneFolder.Path))
        {
            var batch = TokenBatch.Pack(texts.Select(t => backbone.Encode(t, allowSpecialTokens: false)).ToList());
            var hidden = backbone.Forward(batch);
            expected = heads.Embed(hidden.Data, batch.Starts).Data;
        }

        using var student = StudentModel.Load(folder);
        var actual = student.Embed(texts);
        Assert.Equal(expected, actual);
        var scores = student.Score(actual[..16], actual);
        var direct = heads.Iem.Forward(Tensor.Wrap(actual[..16], 1, 16), Tensor.Wrap(actual, 3, 16), new int[3], new[] { 0, 1, 2 }, IemTask.Asymmetric);
        Assert.Equal(direct, scores);
    }

    [Fact]
    public void MismatchedDimensions_FailNamingTheConfig()
    {
        using var backboneFolder = new FixtureModel("tiny-qwen3-a");
        using var dir = new TempDirectory();
        var heads = new StudentHeads(new HeadsOptions(24, PmaHeads: 2, IemHidden: 8));
        StudentModel.Save(dir.Path, new StudentConfig { Backbone = backboneFolder.Path, Dim = 24, PmaHeads = 2, PmaVariant = "reference", IemHidden = 8 }, heads);
        var e = Assert.Throws<InvalidDataException>(() => StudentModel.Load(dir.Path));
        Assert.Contains("student.json: dim 24 does not match the backbone's hidden size 16", e.Message);
    }
}

public class ModelFolderTests
{
    [Fact]
    public void EveryFolderKind_IsRecognised_AndAnythingElseIsOneErrorNamingTheFolder()
    {
        using var decoder = new FixtureModel("tiny-qwen3-a");
        using var dir = new TempDirectory();
        string student = dir.File("student"), crossEncoder = dir.File("cross"), empty = dir.File("empty");
        StudentModel.Save(student, new StudentConfig { Backbone = decoder.Path, Dim = 16, PmaHeads = 2, PmaVariant = "standard", IemHidden = 8 },
            new StudentHeads(new HeadsOptions(16, PmaHeads: 2, IemHidden: 8)));
        using (var model = D2LLM.CrossEncoder.CrossEncoderModel.Create(Backbones.LoadDecoder(decoder.Path), new D2LLM.CrossEncoder.CrossEncoderConfig { Backbone = decoder.Path, Tuning = "lora" }, seed: 1))
            model.Save(crossEncoder);
        Directory.CreateDirectory(empty);
        File.WriteAllText(dir.File("notes.txt"), "x");

        Assert.Equal(ModelFolderKind.Decoder, ModelFolder.KindOf(decoder.Path));
        Assert.Equal(ModelFolderKind.Student, ModelFolder.KindOf(student));
        Assert.Equal(ModelFolderKind.CrossEncoder, ModelFolder.KindOf(crossEncoder));
        Assert.Equal($"{empty}: not a model folder (no student.json of a student, cross-encoder.json of a cross-encoder, or config.json of a Hugging Face model)",
            Assert.Throws<InvalidDataException>(() => ModelFolder.KindOf(empty)).Message);
        Assert.Equal($"{dir.File("notes.txt")}: a file, not a model folder", Assert.Throws<DirectoryNotFoundException>(() => ModelFolder.KindOf(dir.File("notes.txt"))).Message);
        Assert.Equal($"{dir.File("missing")}: model folder not found", Assert.Throws<DirectoryNotFoundException>(() => ModelFolder.KindOf(dir.File("missing"))).Message);

        // Encoders: a student embeds with PMA, a decoder pools; a cross-encoder has no embeddings.
        using (var encoder = ModelFolder.OpenEncoder(student)) Assert.IsType<StudentModel>(encoder);
        using (var encoder = ModelFolder.OpenEncoder(decoder.Path, PoolingMode.Last))
            Assert.Equal(PoolingMode.Last, Assert.IsType<D2LLM.Retrieval.PooledEncoder>(encoder).Pooling);
        Assert.Contains("a cross-encoder scores (query, passage) pairs and has no embeddings", Assert.Throws<InvalidDataException>(() => ModelFolder.OpenEncoder(crossEncoder)).Message);
    }
}
