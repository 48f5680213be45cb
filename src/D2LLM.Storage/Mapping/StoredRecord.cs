namespace D2LLM.Storage.Mapping;

/// <summary>
/// A record as a store holds it: the key (a CLR value of the collection's key type), data values in their stored form
/// by storage name (<see cref="StoredValue"/>), and vectors by storage name (null where a record has none).
/// </summary>
internal sealed record StoredRecord(object Key, Dictionary<string, object?> Data, Dictionary<string, float[]?> Vectors);
