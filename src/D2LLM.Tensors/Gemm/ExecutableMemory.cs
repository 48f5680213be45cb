using System.Runtime.InteropServices;

namespace D2LLM.Tensors.Gemm;

/// <summary>
/// Machine code copied into pages of its own and made executable (mmap, then mprotect to read + execute: never
/// writable and executable at once). Linux only; the pages live as long as the process.
/// </summary>
internal static unsafe partial class ExecutableMemory
{
    private const int ProtRead = 1, ProtWrite = 2, ProtExec = 4, MapPrivate = 2, MapAnonymous = 0x20;

    /// <summary>The code's entry point, or null where it cannot be placed (not Linux, or the kernel refused).</summary>
    public static void* Place(ReadOnlySpan<byte> code)
    {
        if (!OperatingSystem.IsLinux()) return null;
        nuint size = (nuint)((code.Length + 4095) & ~4095);
        void* pages = Mmap(null, size, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        if (pages == (void*)-1) return null;
        code.CopyTo(new Span<byte>(pages, code.Length));
        if (Mprotect(pages, size, ProtRead | ProtExec) == 0) return pages;
        Munmap(pages, size);
        return null;
    }

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "mprotect")]
    private static partial int Mprotect(void* address, nuint length, int protection);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(void* address, nuint length);
}
