using D2LLM.Teacher;

namespace D2LLM.Tests;

public class ListwiseTeacherTests
{
    [Fact]
    public void ParsePermutation_IsLenient()
    {
        Assert.Equal(new[] { 2, 0, 1, 3 }, ListwiseTeacher.ParsePermutation("[3] > [1] > [3] > [9]", 4));
        Assert.Equal(new[] { 0, 1, 2 }, ListwiseTeacher.ParsePermutation("I cannot rank these.", 3));
        Assert.Equal(new[] { 1, 0 }, ListwiseTeacher.ParsePermutation("[2]>[1]", 2));
    }

    [Fact]
    public void SlidingWindow_BubblesTheBestToTheTop_AndCallsWindowsBottomUp()
    {
        // Passages named by their true relevance; a perfect window ranker sorts each window.
        var rng = new Random(5);
        var candidates = Enumerable.Range(0, 45).Select(i => i.ToString()).OrderBy(_ => rng.Next()).ToList();
        var windows = new List<int>();
        var teacher = new ListwiseTeacher((query, window) =>
        {
            windows.Add(window.Count);
            return Enumerable.Range(0, window.Count).OrderByDescending(i => int.Parse(window[i])).ToArray();
        }, window: 20, stride: 10);
        var order = teacher.Rank("q", candidates);
        Assert.Equal(45, order.Distinct().Count());
        // With window 20 and stride 10 the best 10 end on top in order (each pass carries them up).
        Assert.Equal(Enumerable.Range(35, 10).Reverse().Select(i => i.ToString()), order.Take(10).Select(i => candidates[i]));
        Assert.Equal(new[] { 20, 20, 20, 15 }, windows); // windows [25,45), [15,35), [5,25), [0,15)
    }
}

public class RankingStoreTests
{
    private static readonly TeacherIdentity Teacher = new("0123456789abcdef", "listwise", "permutation", 1f);

    [Fact]
    public void Store_ReusesRankings_AndSurvivesATornLastLine()
    {
        using var dir = new D2LLM.Models.Tests.TempDirectory();
        string path = dir.File("rankings.jsonl");
        int calls = 0;
        int[] Rank() { calls++; return new[] { 1, 0 }; }
        using (var store = new D2LLM.Training.RankingStore(path, Teacher))
        {
            Assert.Equal(new[] { 1, 0 }, store.GetOrAdd("q", new[] { "a", "b" }, Rank));
            store.GetOrAdd("q", new[] { "a", "b" }, Rank);
            store.GetOrAdd("r", new[] { "a", "b" }, Rank);
        }

        Assert.Equal(2, calls);
        File.AppendAllText(path, "{\"key\":\"abc\",\"ord"); // killed mid-write
        using (var store = new D2LLM.Training.RankingStore(path, Teacher))
        {
            Assert.Equal(2, store.Count);
            store.GetOrAdd("r", new[] { "a", "b" }, Rank);
            store.GetOrAdd("s", new[] { "a", "b" }, Rank);
        }

        Assert.Equal(3, calls);
        using (var reopened = new D2LLM.Training.RankingStore(path, Teacher)) Assert.Equal(3, reopened.Count);

        // Another teacher's rankings (weights changed in place) are refused by name, never reused.
        var changed = Teacher with { Weights = "fedcba9876543210" };
        var error = Assert.Throws<InvalidDataException>(() => new D2LLM.Training.RankingStore(path, changed));
        Assert.Contains("rankings of another teacher: the teacher's weights differ (digest 0123456789ab there, fedcba987654 now)", error.Message);

        // A file without the teacher line (an earlier version's) is refused too.
        File.WriteAllText(dir.File("old.jsonl"), "{\"key\":\"abc\",\"order\":[1,0]}\n");
        Assert.Contains("does not name the teacher", Assert.Throws<InvalidDataException>(() => new D2LLM.Training.RankingStore(dir.File("old.jsonl"), Teacher)).Message);
    }
}
