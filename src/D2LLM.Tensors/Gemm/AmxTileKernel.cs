using System.Runtime.Intrinsics.X86;

namespace D2LLM.Tensors.Gemm;

/// <summary>
/// The AMX micro-kernel: a 32 × 32 float32 tile from bf16 operands, 16 k-pairs a step, on the tile registers of Intel
/// Sapphire Rapids and later (TDPBF16PS: a 16 × 16 × 32 product per instruction, four per step). The .NET 10 JIT has
/// no AMX intrinsics, so the kernel is machine code assembled from AmxTileKernel.s beside this file. Linux hands a
/// process the tile state only when asked (arch_prctl), and the kernel is used only after it computed a known product
/// exactly on this machine: a hypervisor that reports AMX without backing it leaves the engine on AVX512-BF16.
/// </summary>
internal static unsafe class AmxTileKernel
{
    public const int MR = 32;
    public const int NR = 32;

    /// <summary>k-pairs a step: a tile row holds 16 dwords.</summary>
    public const int PairsPerStep = 16;

    /// <summary>Where <c>kernel</c> starts in <see cref="Code"/> (<c>request_tiles</c> is at 0).</summary>
    private const int KernelOffset = 0x20;

    private static readonly (TileKernel? Kernel, string Status) s_hardware = Load();

    /// <summary>AMX-BF16 on a Linux x64 process that was granted the tile state and computed the check product right.</summary>
    public static bool IsSupported => s_hardware.Kernel != null;

    public static TileKernel Hardware => s_hardware.Kernel ?? throw new NotSupportedException($"AMX tiles: {Status}");

    /// <summary>"in use", or why not (printed by the benchmarks: a machine with AMX that does not use it says why).</summary>
    public static string Status => s_hardware.Status;

    /// <summary>CPUID leaf 7, sub-leaf 0: EDX bit 22 is AMX-BF16, bit 24 AMX-TILE.</summary>
    public static bool CpuHasAmx => X86Base.IsSupported && (X86Base.CpuId(7, 0).Edx & Amx) == Amx;

    private const int Amx = (1 << 22) | (1 << 24);

    private static (TileKernel?, string) Load()
    {
        if (!CpuHasAmx) return (null, "the CPU has no AMX-BF16");
        // Bf16DotKernel runs the products whose K is not a multiple of 32; it also implies Linux x64 and placeable code.
        if (!Bf16DotKernel.IsSupported) return (null, "no AVX512-BF16 kernel beside it");
        byte* code = (byte*)ExecutableMemory.Place(Code);
        if (code == null) return (null, "the machine code could not be placed");
        long granted = ((delegate* unmanaged<long>)code)();
        if (granted != 0) return (null, $"Linux refused the tile state (arch_prctl: errno {-granted})");
        var kernel = new TileKernel((delegate* unmanaged<long, uint*, uint*, float*, void*, void>)(code + KernelOffset), null);
        return ComputesCheckProduct(kernel) ? (kernel, "in use") : (null, "the check product came out wrong");
    }

    /// <summary>
    /// A's rows for the kernel: <paramref name="rows"/> (a multiple of 16; each row <paramref name="pairs"/> dwords, one
    /// bf16 pair each, pairs a multiple of 16) in panels of 32 rows, a panel step after step, each step 16 rows × 64
    /// bytes (a tile, loaded at a 64-byte stride) for rows 0–15 and then rows 16–31. A panel takes 32·pairs dwords, as
    /// its rows did. Loading a tile from the rows themselves would stride by a row (8 KB at 2048 pairs): 16 lines in
    /// one L1 set.
    /// </summary>
    public static void PackA(uint* source, int pairs, int rows, uint* dst)
    {
        for (int r0 = 0; r0 < rows; r0 += 16)
        {
            uint* panel = dst + (long)(r0 & ~31) * pairs + (r0 & 16) * 16;
            for (int step = 0; step < pairs / PairsPerStep; step++)
                for (int r = 0; r < 16; r++)
                {
                    uint* from = source + (long)(r0 + r) * pairs + step * PairsPerStep, to = panel + step * 32 * 16 + r * 16;
                    System.Runtime.CompilerServices.Unsafe.CopyBlockUnaligned(to, from, 64);
                }
        }
    }

    /// <summary>
    /// Runs <paramref name="kernel"/> on two steps of small integers, whose products and sums float32 holds exactly, and
    /// compares every element of the tile with the exact sum.
    /// </summary>
    internal static bool ComputesCheckProduct(TileKernel kernel)
    {
        const int pairs = 2 * PairsPerStep;
        var a = new uint[MR * pairs];
        var b = new uint[pairs * NR];
        var tile = new float[MR * NR];
        for (int r = 0; r < MR; r++)
            for (int p = 0; p < pairs; p++) a[r * pairs + p] = Pair(Small(r, 2 * p), Small(r, 2 * p + 1));
        for (int p = 0; p < pairs; p++)
            for (int j = 0; j < NR; j++) b[p * NR + j] = Pair(Small(2 * p, j + 7), Small(2 * p + 1, j + 7));

        var packed = new uint[MR * pairs];
        fixed (uint* pa = a, pp = packed, pb = b)
        fixed (float* pt = tile)
        {
            PackA(pa, pairs, MR, pp);
            kernel.Run(pairs / PairsPerStep, pp, pb, pt);
        }

        for (int r = 0; r < MR; r++)
            for (int j = 0; j < NR; j++)
            {
                float sum = 0;
                for (int k = 0; k < 2 * pairs; k++) sum += Small(r, k) * Small(k, j + 7);
                if (tile[r * NR + j] != sum) return false;
            }

        return true;

        static float Small(int i, int j) => (i * 7 + j * 3) % 9 - 4;
        static uint Pair(float low, float high) => BFloat16.FromSingle(low).Bits | (uint)BFloat16.FromSingle(high).Bits << 16;
    }

    /// <summary>AmxTileKernel.s assembled (GNU as 2.40, objcopy -O binary -j .text).</summary>
    internal static ReadOnlySpan<byte> Code =>
    [
        0xB8, 0x9E, 0x00, 0x00, 0x00, 0xBF, 0x23, 0x10, 0x00, 0x00, 0xBE, 0x12, 0x00, 0x00, 0x00, 0x0F, 0x05, 0xC3, 0x66, 0x66, 0x2E, 0x0F, 0x1F, 0x84,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x0F, 0x1F, 0x00, 0xC4, 0xE2, 0x78, 0x49, 0x05, 0x97, 0x00, 0x00, 0x00, 0xC4, 0xE2, 0x7B, 0x49, 0xC0, 0xC4, 0xE2,
        0x7B, 0x49, 0xC8, 0xC4, 0xE2, 0x7B, 0x49, 0xD0, 0xC4, 0xE2, 0x7B, 0x49, 0xD8, 0x49, 0xC7, 0xC2, 0x40, 0x00, 0x00, 0x00, 0x49, 0xC7, 0xC3, 0x80,
        0x00, 0x00, 0x00, 0x48, 0x85, 0xFF, 0x74, 0x44, 0xC4, 0xA2, 0x7B, 0x4B, 0x24, 0x16, 0xC4, 0xA2, 0x7B, 0x4B, 0xAC, 0x16, 0x00, 0x04, 0x00, 0x00,
        0xC4, 0xA2, 0x7B, 0x4B, 0x34, 0x1A, 0xC4, 0xA2, 0x7B, 0x4B, 0x7C, 0x1A, 0x40, 0xC4, 0xE2, 0x4A, 0x5C, 0xC4, 0xC4, 0xE2, 0x42, 0x5C, 0xCC, 0xC4,
        0xE2, 0x4A, 0x5C, 0xD5, 0xC4, 0xE2, 0x42, 0x5C, 0xDD, 0x48, 0x81, 0xC6, 0x00, 0x08, 0x00, 0x00, 0x48, 0x81, 0xC2, 0x00, 0x08, 0x00, 0x00, 0x48,
        0xFF, 0xCF, 0x75, 0xBC, 0xC4, 0xA2, 0x7A, 0x4B, 0x04, 0x19, 0xC4, 0xA2, 0x7A, 0x4B, 0x4C, 0x19, 0x40, 0xC4, 0xA2, 0x7A, 0x4B, 0x94, 0x19, 0x00,
        0x08, 0x00, 0x00, 0xC4, 0xA2, 0x7A, 0x4B, 0x9C, 0x19, 0x40, 0x08, 0x00, 0x00, 0xC4, 0xE2, 0x78, 0x49, 0xC0, 0xC3, 0x0F, 0x1F, 0x44, 0x00, 0x00,
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x40, 0x00, 0x40, 0x00, 0x40, 0x00,
        0x40, 0x00, 0x40, 0x00, 0x40, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
    ];
}
