namespace D2LLM.Models.Onnx;

/// <summary>
/// The protobuf wire format, read-only and just enough for ONNX files: a message is a run of (field number, wire type,
/// value) records; varints, 64-bit, length-delimited and 32-bit values (groups are refused). Malformed bytes throw
/// <see cref="FormatException"/>; the caller names the file.
/// </summary>
internal static class ProtobufReader
{
    /// <summary>One field of a message: its number and either a varint / fixed value or the span of a length-delimited one.</summary>
    public readonly record struct Field(int Number, int Wire, ulong Value, int Start, int Length);

    /// <summary>The fields of the message in <paramref name="data"/>[start, start + length).</summary>
    public static IEnumerable<Field> Fields(byte[] data, int start, int length)
    {
        int p = start, end = start + length;
        while (p < end)
        {
            ulong key = Varint(data, ref p);
            int number = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0: yield return new Field(number, wire, Varint(data, ref p), 0, 0); break;
                case 1: yield return new Field(number, wire, BitConverter.ToUInt64(data, p), p, 8); p += 8; break;
                case 2:
                    int n = checked((int)Varint(data, ref p));
                    if (n < 0 || p + n > end) throw new FormatException($"a length-delimited field runs past its message (field {number})");
                    yield return new Field(number, wire, 0, p, n);
                    p += n;
                    break;
                case 5: yield return new Field(number, wire, BitConverter.ToUInt32(data, p), p, 4); p += 4; break;
                default: throw new FormatException($"unsupported protobuf wire type {wire} (field {number})");
            }
        }
    }

    /// <summary>The integers of a repeated int field, packed or not (<paramref name="field"/> is one occurrence).</summary>
    public static IEnumerable<long> Integers(byte[] data, Field field)
    {
        if (field.Wire == 0)
        {
            yield return (long)field.Value;
            yield break;
        }

        int p = field.Start;
        while (p < field.Start + field.Length) yield return (long)Varint(data, ref p);
    }

    public static string String(byte[] data, Field field) => System.Text.Encoding.UTF8.GetString(data, field.Start, field.Length);

    private static ulong Varint(byte[] data, ref int p)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (p >= data.Length) throw new FormatException("a varint runs past the end of the file (truncated?)");
            byte b = data[p++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return value;
        }

        throw new FormatException("a varint longer than 10 bytes");
    }
}
