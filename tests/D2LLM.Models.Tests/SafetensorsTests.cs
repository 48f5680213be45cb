using System.Text;
using D2LLM.Models.Checkpoints;
using D2LLM.Tensors;

namespace D2LLM.Models.Tests;

public class SafetensorsTests
{
    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.BF16)]
    [InlineData(DType.F16)]
    public void WriteThenRead_IsBitExact(DType dtype)
    {
        using var dir = new TempDirectory();
        var rng = new Random((int)dtype + 1);
        var bytes = new byte[2 * 3 * DTypes.SizeOf(dtype)];
        rng.NextBytes(bytes);
        var vector = new byte[5 * DTypes.SizeOf(dtype)];
        rng.NextBytes(vector);
        string path = dir.File("x.safetensors");
        SafetensorsWriter.Write(path, new[]
        {
            new SafetensorsEntry("a.weight", dtype, new[] { 2, 3 }, bytes),
            new SafetensorsEntry("b", dtype, new[] { 5 }, vector),
            new SafetensorsEntry("empty", dtype, new[] { 0, 4 }, Array.Empty<byte>()),
        }, new Dictionary<string, string> { ["format"] = "pt" });

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(bytes, file.Bytes("a.weight").ToArray());
        Assert.Equal(vector, file.Bytes("b").ToArray());
        Assert.Equal(new[] { 2, 3 }, file.Info("a.weight").Shape);
        Assert.Equal(dtype, file.Info("b").DType);
        Assert.Equal(0, file.Bytes("empty").Length);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(0, file.Info("a.weight").Offset % 8);
    }

    [Fact]
    public void FloatsRoundTripThroughEachDtype()
    {
        using var dir = new TempDirectory();
        float[] values = { 1f, -2.5f, 0.1f, 65504f, -0f, 3.14159f };
        string path = dir.File("f.safetensors");
        SafetensorsWriter.Write(path, new[]
        {
            SafetensorsEntry.FromFloats("f32", new[] { 6 }, values),
            SafetensorsEntry.FromFloats("bf16", new[] { 6 }, values, DType.BF16),
            SafetensorsEntry.FromFloats("f16", new[] { 6 }, values, DType.F16),
        });
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(values, file.ReadFloats("f32"));
        Assert.Equal(values.Select(v => BFloat16.FromSingle(v).ToSingle()), file.ReadFloats("bf16"));
        Assert.Equal(values.Select(v => (float)(Half)v), file.ReadFloats("f16"));
        Assert.Equal(BFloat16.FromSingle(0.1f), file.Span<BFloat16>("bf16")[2]);
        Assert.Throws<InvalidDataException>(() => file.Span<float>("bf16"));
    }

    [Fact]
    public void TruncatedData()
    {
        using var dir = new TempDirectory();
        string path = dir.File("t.safetensors");
        SafetensorsWriter.Write(path, new[] { SafetensorsEntry.FromFloats("w", new[] { 4 }, new float[4]) });
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^3]);
        AssertError(path, "truncated: tensor 'w' ends at byte 16");
    }

    [Fact]
    public void HeaderLengthPastEndOfFile()
    {
        using var dir = new TempDirectory();
        string path = dir.File("h.safetensors");
        var bytes = new byte[20];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), 1000UL);
        File.WriteAllBytes(path, bytes);
        AssertError(path, "header length 1000 runs past the end of the file");
    }

    [Fact]
    public void HeaderLengthOver2GB_IsRefusedByTheFormatsLimit_NotAnOverflow()
    {
        using var dir = new TempDirectory();
        string path = dir.File("h.safetensors");
        using (var file = File.Create(path))
        {
            file.Write(BitConverter.GetBytes(3UL << 30));
            file.SetLength(4L << 30); // sparse: the header "fits" in the file, as in a damaged multi-gigabyte shard
        }

        AssertError(path, "header length 3221225472 exceeds the format's limit of 100000000 bytes");
    }

    [Fact]
    public void FileShorterThanHeaderLength() => AssertRaw(null, 4, "shorter than the 8-byte header length");

    [Fact]
    public void OverlappingOffsets() => AssertRaw(
        """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12,
        "tensors 'a' and 'b' overlap");

    [Fact]
    public void OutOfRangeOffsets() => AssertRaw(
        """{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}}""", 8, "tensor 'a' has out-of-range data_offsets [8,4]");

    [Fact]
    public void ShapeTimesDtypeNotMatchingByteLength() => AssertRaw(
        """{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8, "shape [3] of F32 needs 12 bytes but data_offsets span 8");

    [Fact]
    public void UnknownDtype() => AssertRaw(
        """{"a":{"dtype":"Q7","shape":[2],"data_offsets":[0,2]}}""", 2, "tensor 'a' has unknown or unsupported dtype 'Q7'");

    [Fact]
    public void DuplicateTensorNames() => AssertRaw(
        """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8,
        "duplicate tensor name 'a'");

    [Fact]
    public void HeaderNotJson() => AssertRaw("""{"a": [1, 2""", 0, "header is not valid JSON");

    [Fact]
    public void ShardedCheckpoint_ReadsAcrossShards_AndNamesAMissingShard()
    {
        using var dir = new TempDirectory();
        SafetensorsWriter.Write(dir.File("model-00001-of-00002.safetensors"), new[] { SafetensorsEntry.FromFloats("x", new[] { 2 }, new[] { 1f, 2f }) });
        SafetensorsWriter.Write(dir.File("model-00002-of-00002.safetensors"), new[] { SafetensorsEntry.FromFloats("y", new[] { 1 }, new[] { 3f }, DType.BF16) });
        File.WriteAllText(dir.File(Checkpoint.IndexFile),
            """{"metadata":{"total_size":10},"weight_map":{"x":"model-00001-of-00002.safetensors","y":"model-00002-of-00002.safetensors"}}""");
        using (var checkpoint = Checkpoint.Open(dir.Path))
        {
            Assert.Equal(new[] { 1f, 2f }, checkpoint.ReadFloats("x"));
            Assert.Equal(new[] { 3f }, checkpoint.ReadFloats("y"));
            var shapeError = Assert.Throws<InvalidDataException>(() => checkpoint.Expect("x", 3));
            Assert.Contains("tensor 'x' has shape [2], expected [3]", shapeError.Message);
            var missing = Assert.Throws<InvalidDataException>(() => checkpoint.Info("z"));
            Assert.Contains("missing tensor 'z'", missing.Message);
        }

        File.Delete(dir.File("model-00002-of-00002.safetensors"));
        var e = Assert.Throws<FileNotFoundException>(() => Checkpoint.Open(dir.Path));
        Assert.Contains("shard 'model-00002-of-00002.safetensors' (holding 'y') is missing", e.Message);
    }

    [Fact]
    public void WriterReplacesAtomically_AndLeavesNoTemporaryFiles()
    {
        using var dir = new TempDirectory();
        string path = dir.File("w.safetensors");
        SafetensorsWriter.Write(path, new[] { SafetensorsEntry.FromFloats("a", new[] { 1 }, new[] { 1f }) });
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, new[]
        {
            SafetensorsEntry.FromFloats("a", new[] { 1 }, new[] { 2f }),
            SafetensorsEntry.FromFloats("a", new[] { 1 }, new[] { 3f }),
        }));
        using (var file = SafetensorsFile.Open(path)) Assert.Equal(new[] { 1f }, file.ReadFloats("a"));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    private static void AssertRaw(string? header, int dataLength, string expected)
    {
        using var dir = new TempDirectory();
        string path = dir.File("raw.safetensors");
        if (header is null)
        {
            File.WriteAllBytes(path, new byte[dataLength]);
        }
        else
        {
            var json = Encoding.UTF8.GetBytes(header);
            var bytes = new byte[8 + json.Length + dataLength];
            BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), (ulong)json.Length);
            json.CopyTo(bytes, 8);
            File.WriteAllBytes(path, bytes);
        }

        AssertError(path, expected);
    }

    private static void AssertError(string path, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Contains(expected, e.Message);
        Assert.StartsWith(path, e.Message);
    }
}
