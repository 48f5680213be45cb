using System.Diagnostics;
using D2LLM.Tensors.Gemm;

namespace D2LLM.Tensors.Tests;

public class AmxTileKernelTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 32 }, { 7, 33, 64 }, { 33, 7, 512 }, { 70, 100, 96 }, { 13, 37, 896 }, { 5, GemmDriver.NC + 37, 64 },
        { GemmDriver.MC + 5, 40, 2 * GemmDriver.KC + 64 },
    };

    /// <summary>
    /// The AMX driver and kernel, tiles emulated: every product of <see cref="GemmTests.CheckBf16"/> (B bf16 or float32,
    /// transposed or as stored; several K slices, row blocks and column panels; edges of 1 to 31 rows and columns) equals
    /// the float64 product of the bf16-rounded inputs to float32 accumulation, and no tile instruction would have faulted.
    /// </summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void EmulatedTiles_MatchFloat64_OfInputsRoundedToBf16(int m, int n, int k)
    {
        AmxTileEmulator.Faults.Clear();
        GemmTests.CheckBf16(GemmKernel.AmxBf16, m, n, k, Emulated<BFloat16>, Emulated<float>);
        Assert.Empty(AmxTileEmulator.Faults);
    }

    [Fact]
    public void EmulatedTiles_ComputeTheCheckProduct_AndAWrongKernelDoesNot()
    {
        AmxTileEmulator.Faults.Clear();
        Assert.True(AmxTileKernel.ComputesCheckProduct(AmxTileEmulator.Kernel));
        Assert.Empty(AmxTileEmulator.Faults);
        Assert.False(AmxTileKernel.ComputesCheckProduct(AmxTileEmulator.WrongKernel));
    }

    /// <summary>
    /// A CPU without AMX-BF16 says so and keeps the bf16 dot products, as does one whose kernel refuses the tile state (a
    /// Linux before 5.16, a hypervisor that does not pass it on); otherwise the tiles compute the check product and are used.
    /// </summary>
    [Fact]
    public void Hardware_IsUsedWhereTheCpuHasIt_OrSaysWhyNot()
    {
        if (!AmxTileKernel.CpuHasAmx || AmxTileKernel.Status.StartsWith("Linux refused", StringComparison.Ordinal))
        {
            Assert.False(AmxTileKernel.IsSupported);
            if (!AmxTileKernel.CpuHasAmx) Assert.Equal("the CPU has no AMX-BF16", AmxTileKernel.Status);
            Assert.NotEqual(GemmKernel.AmxBf16, CpuKernels.Bf16.LinearKernel);
            return;
        }

        Assert.True(AmxTileKernel.IsSupported, AmxTileKernel.Status);
        Assert.Equal(GemmKernel.AmxBf16, CpuKernels.Bf16.LinearKernel);
        GemmTests.CheckBf16(GemmKernel.AmxBf16, 70, 100, 96);
    }

    /// <summary>The bytes both kernels carry are what their assembly sources assemble to (GNU as, on every machine of this project).</summary>
    [Fact]
    public void MachineCode_IsWhatTheAssemblySourcesAssembleTo()
    {
        string gemm = Path.Combine(RepositoryRoot(), "src", "D2LLM.Tensors", "Gemm");
        Assert.Equal(AmxTileKernel.Code.ToArray(), Assemble(Path.Combine(gemm, "AmxTileKernel.s")));
        Assert.Equal(AmxTileEmulator.Code.ToArray(), Assemble(Path.Combine(gemm, "AmxTileKernel.s"), "--defsym", "EMULATE=1"));
        Assert.Equal(Bf16DotKernel.Code.ToArray(), Assemble(Path.Combine(gemm, "Bf16DotKernel.s")));
    }

    private static unsafe void Emulated<TB>(bool ta, bool tb, int m, int n, int k, float alpha, float[] a, int lda, TB[] b, int ldb,
        float beta, float[] c, int ldc, float[] bias) where TB : unmanaged
    {
        fixed (float* pa = a, pc = c, pbias = bias)
        fixed (TB* pb = b)
        {
            var g = new GemmArgs<TB>(ta, tb, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, pbias);
            Assert.True(Bf16GemmDriver.HandlesTiles(g));
            Bf16GemmDriver.Run(g, 0, m, 0, n, AmxTileEmulator.Kernel);
        }
    }

    private static byte[] Assemble(string source, params string[] options)
    {
        string dir = Directory.CreateTempSubdirectory("d2llm-as-").FullName;
        try
        {
            string obj = Path.Combine(dir, "k.o"), bin = Path.Combine(dir, "k.bin");
            Run("as", [.. options, source, "-o", obj]);
            Run("objcopy", ["-O", "binary", "-j", ".text", obj, bin]);
            return File.ReadAllBytes(bin);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        static void Run(string tool, string[] arguments)
        {
            var start = new ProcessStartInfo(tool) { RedirectStandardError = true };
            foreach (var argument in arguments) start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            string errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"{tool} failed: {errors}");
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "D2LLM.SemanticKernel.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no D2LLM.SemanticKernel.sln above {AppContext.BaseDirectory}");
    }
}
