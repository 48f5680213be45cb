using D2LLM.Student;

namespace D2LLM.SemanticKernel.Tests;

/// <summary>A student folder over a tiny fixture backbone with randomly initialised heads (deterministic), for tests that need an IEM.</summary>
internal static class TestModels
{
    public static string Student(string backbone, string directory)
    {
        var heads = new StudentHeads(new HeadsOptions(16, PmaHeads: 2, IemHidden: 8, Variant: PmaVariant.Standard));
        var config = new StudentConfig { Backbone = backbone, Dim = 16, PmaHeads = 2, PmaVariant = "standard", IemHidden = 8 };
        StudentModel.Save(directory, config, heads);
        return directory;
    }

    public static readonly string[] Texts = Enumerable.Range(0, 24).Select(i => string.Join(' ', Enumerable.Repeat($"text {i} about topic {i % 5}", 1 + i % 4))).ToArray();
}
