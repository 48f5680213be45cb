namespace D2LLM.Retrieval;

/// <summary>
/// Packs items into forward passes by a token budget: consecutive items while their tokens fit, an item larger than
/// the budget alone; order kept. The one batcher that embedding, indexing and cached training states use.
/// </summary>
public static class TokenBudget
{
    public static IEnumerable<List<T>> Batches<T>(IEnumerable<T> items, Func<T, int> tokens, int budget)
    {
        var batch = new List<T>();
        int used = 0;
        foreach (var item in items)
        {
            int n = tokens(item);
            if (batch.Count > 0 && used + n > budget)
            {
                yield return batch;
                batch = new List<T>();
                used = 0;
            }

            batch.Add(item);
            used += n;
        }

        if (batch.Count > 0) yield return batch;
    }
}
