using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.VectorData;

namespace D2LLM.Storage.Embedded;

/// <summary>
/// Upgrades a version-1 store file (before VectorData: one text, JSON metadata and one vector per record, keys made
/// from ids) to version 2 in place, inside the transaction that opened it, so a file is upgraded whole or not at all.
/// Each record becomes the layout <c>d2llm index</c> writes (the SemanticKernel package's MemoryRecord plus fields):
/// key = the Guid of its id (<see cref="StableKeys"/>, which the old keys already were for non-numeric ids), data
/// "id", "text" and the old metadata fields, vector "embedding" with the old size and distance.
/// </summary>
internal static class FormatUpgrade
{
    public static void FromVersion1(SqliteConnection connection, SqliteTransaction transaction)
    {
        var collections = new List<(string Name, int Dimensions, string Distance)>();
        using (var cmd = Command(connection, transaction, "SELECT name, dimensions, distance FROM collections"))
        using (var reader = cmd.ExecuteReader())
            while (reader.Read()) collections.Add((reader.GetString(0), reader.GetInt32(1), reader.GetString(2)));

        Execute(connection, transaction, "CREATE TABLE collections_v2(name TEXT PRIMARY KEY, schema TEXT NOT NULL)");
        Execute(connection, transaction, "CREATE TABLE records_v2(collection TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL, vectors BLOB NOT NULL, PRIMARY KEY (collection, key))");
        foreach (var (name, dimensions, distance) in collections)
        {
            var schema = new CollectionSchema("Key", "guid", new[] { new VectorSchema("embedding", dimensions, DistanceOf(distance)) });
            using (var insert = Command(connection, transaction, "INSERT INTO collections_v2(name, schema) VALUES ($n, $s)"))
            {
                insert.Parameters.AddWithValue("$n", name);
                insert.Parameters.AddWithValue("$s", schema.ToJson());
                insert.ExecuteNonQuery();
            }

            using var select = Command(connection, transaction, "SELECT key, text, metadata, vector FROM records WHERE collection = $c ORDER BY rowid");
            select.Parameters.AddWithValue("$c", name);
            using var write = Command(connection, transaction, "INSERT OR REPLACE INTO records_v2(collection, key, data, vectors) VALUES ($c, $k, $d, $v)");
            write.Parameters.AddWithValue("$c", name);
            var (key, data, vectors) = (write.Parameters.AddWithValue("$k", ""), write.Parameters.AddWithValue("$d", ""), write.Parameters.AddWithValue("$v", Array.Empty<byte>()));
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                var fields = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(reader.GetString(2)) ?? new Dictionary<string, JsonElement>();
                string id = fields.TryGetValue("id", out var stored) && stored.ValueKind == JsonValueKind.String ? stored.GetString()! : reader.GetString(0);
                var record = new Dictionary<string, object?>(StringComparer.Ordinal) { ["id"] = id, ["text"] = reader.GetString(1) };
                foreach (var (field, value) in fields)
                    if (field != "id") record[field] = Mapping.StoredValue.FromJson(value);
                var vector = (byte[])reader.GetValue(3);
                key.Value = StableKeys.FromId(id).ToString("D");
                data.Value = JsonSerializer.Serialize(record);
                vectors.Value = new byte[] { 1 }.Concat(vector).ToArray();
                write.ExecuteNonQuery();
            }
        }

        Execute(connection, transaction, "DROP TABLE records");
        Execute(connection, transaction, "DROP TABLE collections");
        Execute(connection, transaction, "ALTER TABLE collections_v2 RENAME TO collections");
        Execute(connection, transaction, "ALTER TABLE records_v2 RENAME TO records");
        Execute(connection, transaction, $"UPDATE d2llm_meta SET value = '{StoreFile.FormatVersion}' WHERE key = 'version'");
    }

    private static string DistanceOf(string version1) => version1 switch
    {
        "Dot" => DistanceFunction.DotProductSimilarity,
        "Euclidean" => DistanceFunction.EuclideanDistance,
        _ => DistanceFunction.CosineSimilarity,
    };

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = transaction;
        return cmd;
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var cmd = Command(connection, transaction, sql);
        cmd.ExecuteNonQuery();
    }
}
