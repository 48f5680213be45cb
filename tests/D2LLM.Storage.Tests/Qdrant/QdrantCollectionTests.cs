using D2LLM.Storage.Qdrant;
using D2LLM.Storage.Tests.VectorData;
using Grpc.Core;
using Microsoft.Extensions.VectorData;
using Qdrant.Client.Grpc;
using Range = Qdrant.Client.Grpc.Range;

namespace D2LLM.Storage.Tests.Qdrant;

/// <summary>
/// The Qdrant store without a server: what reaches the wire (through the official client, over a recording gRPC
/// transport) and what comes back, checked message by message against the CommunityToolkit connector's layout.
/// </summary>
public class QdrantCollectionTests
{
    private static readonly Guid Key = Guid.Parse("0b9e4c0e-7f0a-4a5e-9d3c-2f1e8a6b4c11");

    private static Hotel<Guid> Hotel() => new()
    {
        Key = Key, Name = "Grand", Rating = 4, Price = 129.5, Open = true, Tags = new() { "pool", "spa" }, Description = "rooms with a view",
        Opened = new DateTimeOffset(2021, 5, 3, 14, 0, 0, TimeSpan.FromHours(2)), City = null, Embedding = new[] { 0.5f, -1, 0.25f, 2 },
    };

    private static (FakeQdrant Server, QdrantCollection<Guid, Hotel<Guid>> Collection) Hotels(QdrantRetryOptions? retry = null)
    {
        var server = new FakeQdrant();
        var store = new QdrantVectorStore(server.Client(), ownsClient: true, new QdrantVectorStoreOptions { Retry = retry ?? new QdrantRetryOptions { Delay = TimeSpan.FromMilliseconds(1) } });
        return (server, store.GetCollection<Guid, Hotel<Guid>>("hotels"));
    }

    [Fact]
    public async Task ARecord_BecomesAPointInTheConnectorsLayout_AndComesBackTheSame()
    {
        var (server, hotels) = Hotels();
        await hotels.UpsertAsync(Hotel());
        var upsert = server.Sent<UpsertPoints>().Single();
        Assert.Equal(("hotels", true), (upsert.CollectionName, upsert.Wait));
        var point = upsert.Points.Single();
        Assert.Equal(Key.ToString("D"), point.Id.Uuid);
        Assert.Equal(new[] { 0.5f, -1, 0.25f, 2 }, point.Vectors.Vector.Dense.Data);
        var payload = point.Payload;
        Assert.Equal(new[] { "Description", "Name", "Open", "Opened", "Price", "Rating", "Tags", "city_name" }, payload.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Value.KindOneofCase.IntegerValue, payload["Rating"].KindCase);
        Assert.Equal(129.5, payload["Price"].DoubleValue);
        Assert.True(payload["Open"].BoolValue);
        Assert.Equal(new[] { "pool", "spa" }, payload["Tags"].ListValue.Values.Select(v => v.StringValue));
        Assert.Equal("2021-05-03T12:00:00.0000000+00:00", payload["Opened"].StringValue);
        Assert.Equal(Value.KindOneofCase.NullValue, payload["city_name"].KindCase);

        // Read back: the payload as sent, the vector from the dense field (servers >= 1.17) or the legacy data field.
        var dense = new RetrievedPoint { Id = point.Id, Vectors = new VectorsOutput { Vector = new VectorOutput { Dense = new DenseVector { Data = { 0.5f, -1, 0.25f, 2 } } } } };
        dense.Payload.Add(payload);
        server.On("Points/Get", _ => new GetResponse { Result = { dense } });
        var back = await hotels.GetAsync(Key, new RecordRetrievalOptions { IncludeVectors = true });
        Assert.Equal(("Grand", 4, 129.5, true, "rooms with a view", (string?)null), (back!.Name, back.Rating, back.Price, back.Open, back.Description, back.City));
        Assert.Equal(new[] { "pool", "spa" }, back.Tags);
        Assert.Equal(Hotel().Opened, back.Opened);
        Assert.Equal(new[] { 0.5f, -1, 0.25f, 2 }, back.Embedding.ToArray());
        var get = server.Sent<GetPoints>().Single();
        Assert.True(get.WithVectors.Enable);

#pragma warning disable CS0612, CS0618 // what servers up to 1.16 send
        var legacy = new RetrievedPoint { Id = point.Id, Vectors = new VectorsOutput { Vector = new VectorOutput { Data = { 1f, 2, 3, 4 } } } };
#pragma warning restore CS0612, CS0618
        legacy.Payload.Add(payload);
        server.On("Points/Get", _ => new GetResponse { Result = { legacy } });
        Assert.Equal(new[] { 1f, 2, 3, 4 }, (await hotels.GetAsync(Key, new RecordRetrievalOptions { IncludeVectors = true }))!.Embedding.ToArray());
    }

    [Fact]
    public async Task SeveralVectors_AreNamedByStorageName_AndSearchSaysWhichOneItUses()
    {
        var server = new FakeQdrant();
        using var store = new QdrantVectorStore(server.Client(), ownsClient: true);
        var collection = store.GetCollection<Guid, TwoVectors>("two");
        server.On("Collections/CollectionExists", _ => new CollectionExistsResponse { Result = new CollectionExists { Exists = false } });
        await collection.EnsureCollectionExistsAsync();
        var create = server.Sent<CreateCollection>().Single();
        Assert.Equal((3ul, Distance.Cosine), (create.VectorsConfig.ParamsMap.Map["Small"].Size, create.VectorsConfig.ParamsMap.Map["Small"].Distance));
        Assert.Equal((5ul, Distance.Dot), (create.VectorsConfig.ParamsMap.Map["large_vector"].Size, create.VectorsConfig.ParamsMap.Map["large_vector"].Distance));

        await collection.UpsertAsync(new TwoVectors { Key = Key, Text = "t", Small = new[] { 1f, 0, 0 }, Large = null });
        var point = server.Sent<UpsertPoints>().Single().Points.Single();
        Assert.Equal(new[] { "Small" }, point.Vectors.Vectors_.Vectors.Keys);

        var scored = new ScoredPoint { Id = Key, Score = 0.75f };
        scored.Payload["Text"] = "t";
        server.On("Points/Query", _ => new QueryResponse { Result = { scored } });
        var hit = await collection.SearchAsync(new[] { 1f, 0, 0, 0, 0 }, top: 3, new() { VectorProperty = r => r.Large, Skip = 2, ScoreThreshold = 0.5 }).SingleAsync();
        Assert.Equal(("t", 0.75), (hit.Record.Text, hit.Score));
        var query = server.Sent<QueryPoints>().Single();
        Assert.Equal(("large_vector", 3ul, 2ul, 0.5f), (query.Using, query.Limit, query.Offset, query.ScoreThreshold));
        Assert.Equal(new[] { 1f, 0, 0, 0, 0 }, query.Query.Nearest.Dense.Data);
        Assert.True(query.WithPayload.Enable);
        Assert.False(query.WithVectors.Enable);
    }

    [Fact]
    public async Task EnsureCollectionExists_CreatesAnUnnamedVectorAndOnePayloadIndexPerIndexedProperty()
    {
        var (server, hotels) = Hotels();
        server.On("Collections/CollectionExists", _ => new CollectionExistsResponse { Result = new CollectionExists { Exists = false } });
        await hotels.EnsureCollectionExistsAsync();
        var create = server.Sent<CreateCollection>().Single();
        Assert.Equal((4ul, Distance.Cosine), (create.VectorsConfig.Params.Size, create.VectorsConfig.Params.Distance));
        var indexes = server.Sent<CreateFieldIndexCollection>().ToDictionary(i => i.FieldName, i => i.FieldType);
        Assert.Equal(FieldType.Keyword, indexes["Name"]);
        Assert.Equal(FieldType.Integer, indexes["Rating"]);
        Assert.Equal(FieldType.Float, indexes["Price"]);
        Assert.Equal(FieldType.Bool, indexes["Open"]);
        Assert.Equal(FieldType.Keyword, indexes["Tags"]);
        Assert.Equal(FieldType.Text, indexes["Description"]);
        Assert.Equal(FieldType.Datetime, indexes["Opened"]);
        Assert.Equal(FieldType.Keyword, indexes["city_name"]);

        // Another client creating it at the same moment is not an error.
        server.On("Collections/CollectionExists", _ => new CollectionExistsResponse { Result = new CollectionExists { Exists = false } });
        server.Fail("Collections/Create", StatusCode.AlreadyExists, "Collection `hotels` already exists!");
        await hotels.EnsureCollectionExistsAsync();
    }

    [Fact]
    public async Task LinqFilters_BecomeQdrantFilters()
    {
        var (server, hotels) = Hotels();
        string[] names = { "a", "b" };
        var since = new DateTimeOffset(2021, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var cases = new (System.Linq.Expressions.Expression<Func<Hotel<Guid>, bool>> Linq, Filter Expected)[]
        {
            (h => h.Name == "x", Must(Conditions.MatchKeyword("Name", "x"))),
            (h => h.Rating != 2, Must(Conditions.Filter(new Filter { MustNot = { Conditions.Match("Rating", 2L) } }))),
            (h => h.Rating > 3 && h.Price <= 100.5, Must(Conditions.Range("Rating", new Range { Gt = 3 }), Conditions.Range("Price", new Range { Lte = 100.5 }))),
            (h => h.Open || h.City == null, new Filter { Should = { Conditions.Match("Open", true), Conditions.IsNull("city_name") } }),
            (h => !(h.Rating == 1), new Filter { MustNot = { Conditions.Match("Rating", 1L) } }),
            (h => h.Tags.Contains("spa"), Must(Conditions.MatchKeyword("Tags", "spa"))),
            (h => names.Contains(h.Name), Must(Conditions.Match("Name", new List<string> { "a", "b" }))),
            (h => h.Tags.Any(t => names.Contains(t)), Must(Conditions.Match("Tags", new List<string> { "a", "b" }))),
            (h => h.Opened >= since, Must(Conditions.DatetimeRange("Opened", gte: since.UtcDateTime))),
            (h => h.Key == Key, Must(Conditions.HasId(Key))),
            (h => h.Price == 1.5, Must(Conditions.Range("Price", new Range { Gte = 1.5, Lte = 1.5 }))),
        };
        foreach (var (linq, expected) in cases)
        {
            await hotels.GetAsync(linq, top: 5).ToListAsync();
            var scroll = server.Sent<ScrollPoints>().Last();
            Assert.True(expected.Equals(scroll.Filter), $"{linq}: sent {scroll.Filter}, expected {expected}");
            Assert.Equal(5u, scroll.Limit);
        }

        await Assert.ThrowsAsync<NotSupportedException>(() => hotels.GetAsync(h => h.Name.StartsWith("x"), top: 1).ToListAsync().AsTask());
        await Assert.ThrowsAsync<NotSupportedException>(() => hotels.GetAsync(h => h.Key != Key && h.Rating > 1 || string.Compare(h.Name, "m") < 0, top: 1).ToListAsync().AsTask());
    }

    [Fact]
    public async Task TransientFailures_AreRetried_OthersAndLastingOnesBecomeVectorStoreExceptionsWithQdrantsMessage()
    {
        var (server, hotels) = Hotels(new QdrantRetryOptions { MaxRetries = 2, Delay = TimeSpan.FromMilliseconds(1) });
        server.Fail("Points/Upsert", StatusCode.Unavailable, "connection refused").Fail("Points/Upsert", StatusCode.DeadlineExceeded, "deadline");
        await hotels.UpsertAsync(Hotel());
        Assert.Equal(3, server.Sent<UpsertPoints>().Count());

        for (int i = 0; i < 3; i++) server.Fail("Points/Upsert", StatusCode.Unavailable, "connection refused");
        var lasting = await Assert.ThrowsAsync<VectorStoreException>(() => hotels.UpsertAsync(Hotel()));
        Assert.Equal("qdrant: collection 'hotels': Upsert failed: Unavailable: connection refused", lasting.Message);
        Assert.Equal(("qdrant", "hotels", "Upsert"), (lasting.VectorStoreSystemName, lasting.CollectionName, lasting.OperationName));
        Assert.Equal(6, server.Sent<UpsertPoints>().Count());

        server.Fail("Points/Query", StatusCode.NotFound, "Not found: Collection `hotels` doesn't exist!");
        var missing = await Assert.ThrowsAsync<VectorStoreException>(() => hotels.SearchAsync(new[] { 1f, 0, 0, 0 }, top: 1).ToListAsync().AsTask());
        Assert.Contains("Collection `hotels` doesn't exist!", missing.Message);
        Assert.Single(server.Sent<QueryPoints>());

        server.Fail("Points/Upsert", StatusCode.InvalidArgument, "Wrong input: Vector dimension error: expected dim: 4, got 3");
        Assert.Contains("Vector dimension error", (await Assert.ThrowsAsync<VectorStoreException>(() => hotels.UpsertAsync(Hotel()))).Message);
        Assert.Equal(7, server.Sent<UpsertPoints>().Count());

        var wrong = Hotel();
        wrong.Embedding = new[] { 1f, 2 };
        Assert.Contains("dimension mismatch", (await Assert.ThrowsAsync<VectorStoreException>(() => hotels.UpsertAsync(wrong))).Message);
        Assert.Equal(7, server.Sent<UpsertPoints>().Count()); // refused before the call
    }

    /// <summary>A successful answer the record cannot be read from: an error naming the collection, the point and the field, not a cast exception.</summary>
    [Theory]
    [InlineData("rating-as-text", "point 0b9e4c0e-7f0a-4a5e-9d3c-2f1e8a6b4c11: field 'Rating' holds the text \"four\", which does not convert to Int32")]
    [InlineData("short-vector", "point 0b9e4c0e-7f0a-4a5e-9d3c-2f1e8a6b4c11: vector 'Embedding' has 3 dimensions, expected 4")]
    [InlineData("numeric-id", "point 7: its id is a number, but the collection's keys are Guid")]
    [InlineData("no-vector", "point 0b9e4c0e-7f0a-4a5e-9d3c-2f1e8a6b4c11: vector 'Embedding' was asked for but not returned")]
    public async Task AnOddSuccessfulAnswer_IsAVectorStoreExceptionNamingPointAndField(string oddity, string expected)
    {
        var (server, hotels) = Hotels();
        await hotels.UpsertAsync(Hotel());
        var sent = server.Sent<UpsertPoints>().Single().Points.Single();
        var point = new RetrievedPoint { Id = sent.Id, Vectors = new VectorsOutput { Vector = new VectorOutput { Dense = new DenseVector { Data = { 0.5f, -1, 0.25f, 2 } } } } };
        point.Payload.Add(sent.Payload);
        switch (oddity)
        {
            case "rating-as-text": point.Payload["Rating"] = new Value { StringValue = "four" }; break;
            case "short-vector": point.Vectors.Vector.Dense.Data.RemoveAt(3); break;
            case "numeric-id": point.Id = new PointId { Num = 7 }; break;
            case "no-vector": point.Vectors = null; break;
        }

        server.On("Points/Get", _ => new GetResponse { Result = { point } });
        var error = await Assert.ThrowsAsync<VectorStoreException>(() => hotels.GetAsync(Key, new RecordRetrievalOptions { IncludeVectors = true }));
        Assert.StartsWith("qdrant: collection 'hotels': Get failed: ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task AServerThatNeverAnswers_FailsAfterTheDeadlineAndItsRetries_InsteadOfHanging()
    {
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var held = new System.Collections.Concurrent.ConcurrentBag<System.Net.Sockets.TcpClient>();
        _ = Task.Run(async () =>
        {
            try
            {
                while (true) held.Add(await silent.AcceptTcpClientAsync()); // accepted, never answered
            }
            catch (Exception e) when (e is ObjectDisposedException or System.Net.Sockets.SocketException)
            {
                // the listener stopped with the test
            }
        });
        var endpoint = new Uri($"http://127.0.0.1:{((System.Net.IPEndPoint)silent.LocalEndpoint).Port}");
        using var store = new QdrantVectorStore(new QdrantConnection { Endpoint = endpoint, Timeout = TimeSpan.FromMilliseconds(400) },
            new QdrantVectorStoreOptions { Retry = new QdrantRetryOptions { MaxRetries = 1, Delay = TimeSpan.FromMilliseconds(10) } });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<VectorStoreException>(() => store.GetCollection<Guid, Hotel<Guid>>("hotels").CollectionExistsAsync());
        Assert.Contains("DeadlineExceeded", e.Message);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.7, 10);
        foreach (var client in held) client.Dispose();
    }

    [Fact]
    public void TheConnection_RefusesTheRestPort_AndAnotherScheme()
    {
        Assert.Contains("6333 is Qdrant's REST port", Assert.Throws<ArgumentException>(() => new QdrantConnection { Endpoint = new Uri("http://localhost:6333") }.CreateClient()).Message);
        Assert.Contains("http:// or https://", Assert.Throws<ArgumentException>(() => new QdrantConnection { Endpoint = new Uri("ftp://localhost:6334") }.CreateClient()).Message);
        using var client = new QdrantConnection { Endpoint = new Uri("https://qdrant.example:6334"), ApiKey = "k", Timeout = TimeSpan.FromSeconds(5) }.CreateClient();
        Assert.NotNull(client);
    }

    [Fact]
    public void KeyTypes_OtherThanUlongAndGuid_AreRefused()
    {
        using var store = new QdrantVectorStore(new FakeQdrant().Client(), ownsClient: true);
        Assert.Throws<NotSupportedException>(() => store.GetCollection<string, Hotel<string>>("x"));
        Assert.NotNull(store.GetCollection<ulong, Hotel<ulong>>("x"));
    }

    private static Filter Must(params Condition[] conditions) => new() { Must = { conditions } };
}
