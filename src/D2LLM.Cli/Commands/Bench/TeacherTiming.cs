using System.Diagnostics;
using D2LLM.Models;

namespace D2LLM.Cli.Commands.Bench;

/// <summary>What a teacher of a published shape (random weights) takes to judge a query's candidates.</summary>
internal static class TeacherTiming
{
    /// <summary>Milliseconds to score <paramref name="count"/> prompts of <paramref name="promptTokens"/> tokens in one forward pass.</summary>
    public static double Milliseconds(ModelConfig shape, int count, int promptTokens)
    {
        using var model = Backbones.RandomDecoder(shape, seed: 1);
        var rng = new Random(2);
        var prompts = Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, promptTokens).Select(_ => rng.Next(1000, 100000)).ToArray()).ToList();
        var clock = Stopwatch.StartNew();
        var batch = TokenBatch.Pack(prompts);
        model.LastLogits(model.Forward(batch), batch, new[] { 9693, 2152 });
        return clock.Elapsed.TotalMilliseconds;
    }
}
