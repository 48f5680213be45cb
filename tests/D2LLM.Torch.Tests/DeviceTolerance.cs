namespace D2LLM.Torch.Tests;

/// <summary>How torch's float32 results are compared with the engine's.</summary>
internal static class DeviceTolerance
{
    /// <summary>Every value within 1e-4 of the engine's (relative to the largest, when that is over 1); the engine's must not be all zero.</summary>
    public static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.Contains(expected, x => x != 0);
        double tolerance = 1e-4 * Math.Max(1, expected.Max(Math.Abs));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{what}[{i}]: {expected[i]} vs {actual[i]}");
    }
}
