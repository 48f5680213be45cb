namespace D2LLM.Storage.Mapping;

/// <summary>VectorData's <c>GetService</c> for the stores: un-keyed requests only, answered by the first candidate of the asked type.</summary>
internal static class ServiceLookup
{
    public static object? Find(Type serviceType, object? serviceKey, params object?[] candidates)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null ? candidates.FirstOrDefault(serviceType.IsInstanceOfType) : null;
    }
}
