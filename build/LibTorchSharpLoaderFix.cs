#nullable enable
using System;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>
/// TorchSharp 0.107's native wrapper (libLibTorchSharp.so) was linked against GCC 13's libstdc++ and asks for version
/// GLIBCXX_3.4.32 for one symbol, std::ios_base_library_init, which it only references (GCC 13's iostream start-up
/// hook) and never needs. On a system whose libstdc++ stops at 3.4.30 (Debian 12) the loader refuses the whole library
/// and TorchSharp reports "libtorch is not restored". This task marks that version requirement and the symbol weak in
/// the built copies of the wrapper — only when the system's libstdc++ lacks the version — so the library loads.
/// ELF64 little-endian only: the version-needs table gets VER_FLG_WEAK, the symbol STB_WEAK and the global version.
/// </summary>
public sealed class LibTorchSharpLoaderFix : Task
{
    private const string Version = "GLIBCXX_3.4.32";

    /// <summary>The folder searched (recursively) for libLibTorchSharp.so.</summary>
    [Required]
    public string OutputDirectory { get; set; } = "";

    public override bool Execute()
    {
        var system = new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6" }
            .FirstOrDefault(File.Exists);
        if (system is null || !Directory.Exists(OutputDirectory)) return true;
        if (IndexOf(File.ReadAllBytes(system), Encoding.ASCII.GetBytes(Version + "\0")) >= 0) return true;
        foreach (var path in Directory.EnumerateFiles(OutputDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories))
        {
            int patched = Patch(path);
            if (patched > 0)
                Log.LogMessage(MessageImportance.High, $"{path}: {system} lacks {Version}, which only the unused symbol std::ios_base_library_init needs; marked it weak so that libtorch loads");
        }

        return !Log.HasLoggedErrors;
    }

    /// <summary>Marks the version and its symbols weak; returns the symbols changed (0 when already done or absent).
    /// (The task is compiled against netstandard2.0 by MSBuild's RoslynCodeTaskFactory: no spans or records here.)</summary>
    private static int Patch(string path)
    {
        var elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7F || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F' || elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException($"{path}: not a 64-bit little-endian ELF file");
        long shoff = BitConverter.ToInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A), shnum = BitConverter.ToUInt16(elf, 0x3C);
        Section? dynsym = null, versym = null, verneed = null;
        var sections = new Section[shnum];
        for (int i = 0; i < shnum; i++)
        {
            int h = checked((int)(shoff + (long)i * shentsize));
            var s = new Section(BitConverter.ToUInt32(elf, h + 4), BitConverter.ToInt64(elf, h + 24), BitConverter.ToInt64(elf, h + 32),
                BitConverter.ToInt32(elf, h + 40), BitConverter.ToInt32(elf, h + 44));
            sections[i] = s;
            if (s.Type == 11) dynsym = s;            // SHT_DYNSYM
            if (s.Type == 0x6fffffff) versym = s;    // SHT_GNU_versym
            if (s.Type == 0x6ffffffe) verneed = s;   // SHT_GNU_verneed
        }

        if (dynsym is null || versym is null || verneed is null) return 0;
        long strings = sections[verneed.Link].Offset;
        int index = -1;
        long entry = verneed.Offset;
        for (int n = 0; n < verneed.Info; n++)
        {
            long aux = entry + BitConverter.ToUInt32(elf, (int)entry + 8);
            for (int a = 0; a < BitConverter.ToUInt16(elf, (int)entry + 2); a++)
            {
                if (Name(elf, strings + BitConverter.ToUInt32(elf, (int)aux + 8)) == Version)
                {
                    index = BitConverter.ToUInt16(elf, (int)aux + 6);
                    elf[aux + 4] |= 0x2; // vna_flags: VER_FLG_WEAK
                }

                aux += BitConverter.ToUInt32(elf, (int)aux + 12);
            }

            entry += BitConverter.ToUInt32(elf, (int)entry + 12);
        }

        if (index < 0) return 0; // this build of the wrapper does not ask for the version
        int changed = 0;
        for (int i = 0; i < dynsym.Size / 24; i++)
        {
            long v = versym.Offset + 2L * i, sym = dynsym.Offset + 24L * i;
            if ((BitConverter.ToUInt16(elf, (int)v) & 0x7fff) != index || BitConverter.ToUInt16(elf, (int)sym + 6) != 0) continue;
            elf[sym + 4] = (byte)(0x20 | (elf[sym + 4] & 0xF)); // STB_WEAK, type kept
            BitConverter.GetBytes((ushort)1).CopyTo(elf, v);     // VER_NDX_GLOBAL: no version asked
            changed++;
        }

        if (changed == 0) return 0;
        string partial = path + ".partial";
        File.WriteAllBytes(partial, elf);
        File.Delete(path);
        File.Move(partial, path);
        return changed;
    }

    private static string Name(byte[] elf, long at)
    {
        int end = Array.IndexOf(elf, (byte)0, (int)at);
        return Encoding.ASCII.GetString(elf, (int)at, end - (int)at);
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = Array.IndexOf(haystack, needle[0]); i >= 0 && i <= haystack.Length - needle.Length; i = Array.IndexOf(haystack, needle[0], i + 1))
        {
            int j = 1;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }

        return -1;
    }

    private sealed class Section
    {
        public Section(uint type, long offset, long size, int link, int info) => (Type, Offset, Size, Link, Info) = (type, offset, size, link, info);

        public uint Type { get; }
        public long Offset { get; }
        public long Size { get; }
        public int Link { get; }
        public int Info { get; }
    }
}
