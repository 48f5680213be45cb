using static D2LLM.Models.Onnx.ProtobufReader;

namespace D2LLM.Models.Onnx;

/// <summary>
/// The parts of an ONNX model (ModelProto → GraphProto) that importing weights needs: the initializers (name, shape,
/// element type, bytes) and the nodes (operator, inputs, outputs). Field numbers are onnx.proto's.
/// </summary>
public sealed class OnnxGraph
{
    /// <summary>An initializer tensor: ONNX element type 1 is float32, 7 int64.</summary>
    public sealed record Initializer(string Name, long[] Dims, int ElementType, byte[] Data)
    {
        public float[] Floats() => ElementType == 1 ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(Data).ToArray()
            : throw new InvalidDataException($"initializer {Name}: element type {ElementType}, not float32");

        public long[] Longs() => ElementType == 7 ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(Data).ToArray()
            : throw new InvalidDataException($"initializer {Name}: element type {ElementType}, not int64");
    }

    /// <summary>A node; a Constant carries its tensor in <see cref="Value"/>.</summary>
    public sealed record Node(string Op, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs, Initializer? Value);

    /// <summary>The constant tensor behind a name: an initializer or a Constant node's output.</summary>
    public Initializer? Constant(string name) =>
        Initializers.TryGetValue(name, out var t) ? t : Nodes.FirstOrDefault(n => n.Op == "Constant" && n.Outputs.Contains(name))?.Value;

    private OnnxGraph(Dictionary<string, Initializer> initializers, List<Node> nodes) => (Initializers, Nodes) = (initializers, nodes);

    public IReadOnlyDictionary<string, Initializer> Initializers { get; }
    public IReadOnlyList<Node> Nodes { get; }

    public static OnnxGraph Read(byte[] model, string source)
    {
        try
        {
            var graph = Fields(model, 0, model.Length).Where(f => f.Number == 7 && f.Wire == 2).Select(f => (Field?)f).FirstOrDefault()
                ?? throw new InvalidDataException($"{source}: no graph (not an ONNX model?)");
            var initializers = new Dictionary<string, Initializer>();
            var nodes = new List<Node>();
            foreach (var f in Fields(model, graph.Start, graph.Length))
            {
                if (f.Number == 5 && f.Wire == 2 && ReadTensor(model, f, source) is var tensor) initializers[tensor.Name] = tensor;
                else if (f.Number == 1 && f.Wire == 2) nodes.Add(ReadNode(model, f, source));
            }

            return new OnnxGraph(initializers, nodes);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            throw new InvalidDataException($"{source}: not a readable ONNX model ({e.Message})");
        }
    }

    private static Initializer ReadTensor(byte[] model, Field tensor, string source)
    {
        var dims = new List<long>();
        string name = "";
        int type = 0;
        byte[]? data = null;
        var floats = new List<float>();
        var longs = new List<long>();
        foreach (var f in Fields(model, tensor.Start, tensor.Length))
        {
            switch (f.Number)
            {
                case 1: dims.AddRange(Integers(model, f)); break;
                case 2: type = (int)f.Value; break;
                case 4 when f.Wire == 2: floats.AddRange(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(model.AsSpan(f.Start, f.Length)).ToArray()); break;
                case 4: floats.Add(BitConverter.UInt32BitsToSingle((uint)f.Value)); break;
                case 7: longs.AddRange(Integers(model, f)); break;
                case 8: name = String(model, f); break;
                case 9: data = model.AsSpan(f.Start, f.Length).ToArray(); break;
                case 14 when f.Value == 1: throw new InvalidDataException($"{source}: initializer {name} keeps its data in an external file; give a model with its weights inside");
            }
        }

        data ??= type == 1 ? System.Runtime.InteropServices.MemoryMarshal.AsBytes(floats.ToArray().AsSpan()).ToArray()
            : System.Runtime.InteropServices.MemoryMarshal.AsBytes(longs.ToArray().AsSpan()).ToArray();
        return new Initializer(name, dims.ToArray(), type, data);
    }

    private static Node ReadNode(byte[] model, Field node, string source)
    {
        var inputs = new List<string>();
        var outputs = new List<string>();
        string op = "";
        Initializer? value = null;
        foreach (var f in Fields(model, node.Start, node.Length))
        {
            if (f.Number == 1) inputs.Add(String(model, f));
            else if (f.Number == 2) outputs.Add(String(model, f));
            else if (f.Number == 4) op = String(model, f);
            else if (f.Number == 5 && f.Wire == 2)
            {
                // An attribute (AttributeProto): field 5 holds a tensor value, as a Constant's "value" does.
                foreach (var a in Fields(model, f.Start, f.Length))
                    if (a.Number == 5 && a.Wire == 2) value = ReadTensor(model, a, source);
            }
        }

        return new Node(op, inputs, outputs, value);
    }
}
