using System.Text.Json;
using System.Text.Json.Nodes;
using D2LLM.Models.Tests;
using NJsonSchema;

namespace D2LLM.Storage.Tests;

/// <summary>Qdrant's OpenAPI document (tests/fixtures/qdrant-openapi.json): request and response schemas by path template.</summary>
internal static class OpenApiContract
{
    private static readonly Lazy<JsonObject> Document = new(() => JsonNode.Parse(File.ReadAllText(Fixtures.Path("qdrant-openapi.json")))!.AsObject());
    private static readonly Dictionary<string, JsonSchema> Cache = new();

    /// <summary>The operation's template for a concrete request path ("/collections/docs/points/query?x" → "/collections/{collection_name}/points/query").</summary>
    public static string Template(string path)
    {
        var parts = path.Split('?')[0].Split('/');
        if (parts.Length > 2 && parts[1] == "collections") parts[2] = "{collection_name}";
        return string.Join('/', parts);
    }

    /// <summary>Validation errors of a request body against the operation's documented schema (JSON Schema, not text).</summary>
    public static IReadOnlyList<string> ValidateRequest(HttpMethod method, string path, string body) =>
        Validate(Operation(method, path)["requestBody"]!["content"]!["application/json"]!["schema"]!, body);

    /// <summary>Validation errors of an answer against the operation's documented 200 schema.</summary>
    public static IReadOnlyList<string> ValidateResponse(HttpMethod method, string path, string body) =>
        Validate(Operation(method, path)["responses"]!["200"]!["content"]!["application/json"]!["schema"]!, body);

    public static bool HasRequestBody(HttpMethod method, string path) => Operation(method, path)["requestBody"] is not null;

    private static JsonNode Operation(HttpMethod method, string path) =>
        Document.Value["paths"]![Template(path)]?[method.Method.ToLowerInvariant()] ?? throw new InvalidOperationException($"{method} {Template(path)} is not in the OpenAPI document");

    private static IReadOnlyList<string> Validate(JsonNode schema, string body)
    {
        string key = schema.ToJsonString();
        JsonSchema? compiled;
        lock (Cache)
        {
            if (!Cache.TryGetValue(key, out compiled))
            {
                // The schema with the document's component schemas beside it as JSON Schema "definitions", so that
                // every reference resolves inside one document.
                // (A bare "$ref" root would hide its siblings, so it is wrapped in allOf.)
                var wrapper = schema is JsonObject o && o.ContainsKey("$ref") ? new JsonObject { ["allOf"] = new JsonArray(schema.DeepClone()) } : schema.DeepClone().AsObject();
                wrapper["definitions"] = Document.Value["components"]!["schemas"]!.DeepClone();
                Nullable(wrapper);
                string json = wrapper.ToJsonString().Replace("#/components/schemas/", "#/definitions/", StringComparison.Ordinal);
                Cache[key] = compiled = JsonSchema.FromJsonAsync(json).GetAwaiter().GetResult();
            }
        }

        return compiled.Validate(body).Select(e => $"{e.Path}: {e.Kind}").ToList();
    }

    /// <summary>
    /// OpenAPI 3.0's "nullable" in JSON Schema terms: a typed schema also admits null, and a branch that says only
    /// "nullable: true" (as in anyOf [X, {nullable}]) admits only null — read literally it would admit anything and
    /// make every such anyOf pass.
    /// </summary>
    private static void Nullable(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                if (o["nullable"] is JsonValue v && v.GetValue<bool>())
                {
                    o.Remove("nullable");
                    if (o["type"] is JsonValue type) o["type"] = new JsonArray(type.GetValue<string>(), "null");
                    else if (!o.Any(p => p.Key is "$ref" or "anyOf" or "oneOf" or "allOf" or "properties" or "enum")) o["type"] = "null";
                }

                foreach (var (_, child) in o.ToList()) Nullable(child);
                break;
            case JsonArray a:
                foreach (var child in a) Nullable(child);
                break;
        }
    }
}
