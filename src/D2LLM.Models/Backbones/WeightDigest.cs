using D2LLM.Tensors;

namespace D2LLM.Models;

/// <summary>
/// A content digest of named tensors (name, dtype, shape, bytes; XxHash128, hex): what keys results a model produced,
/// so that weights changed in place are noticed even when the folder's name is not.
/// </summary>
public static class WeightDigest
{
    public static string Of(IEnumerable<(string Name, Weight Weight)> named)
    {
        var hash = new System.IO.Hashing.XxHash128();
        foreach (var (name, w) in named)
        {
            hash.Append(System.Text.Encoding.UTF8.GetBytes($"{name}|{w.DType}|{string.Join(',', w.Shape)}|"));
            hash.Append(w.Bytes());
        }

        return Convert.ToHexStringLower(hash.GetCurrentHash());
    }
}
