namespace D2LLM.Tensors.Tests;

public class TensorArenaTests
{
    [Fact]
    public void APass_TakesTheSameBuffersInOrder_GrowingOnlyForALargerShape()
    {
        var arena = new TensorArena();
        var a = arena.Take(4, 8);
        var b = arena.Take(16);
        Assert.Equal(32, a.Length);
        Assert.Equal([4, 8], a.Shape);

        arena.Reset();
        var smaller = arena.Take(3, 8);
        Assert.Same(a.Data, smaller.Data);
        Assert.Equal(24, smaller.Span.Length);
        Assert.Same(b.Data, arena.Take(16).Data);

        arena.Reset();
        var larger = arena.Take(6, 8);
        Assert.NotSame(a.Data, larger.Data);
        Assert.Equal(48, larger.Length);
        Assert.True(larger.Data.Length >= 48 + 48 / 8, "grown with room to spare");
    }

    [Fact]
    public void AView_RefusesAShapeLargerThanItsBuffer()
    {
        var view = Tensor.View(new float[10], 2, 4);
        Assert.Equal(8, view.Span.Length);
        Assert.Throws<ArgumentException>(() => Tensor.View(new float[10], 3, 4));
        Assert.Throws<ArgumentException>(() => new Tensor(new float[10], 2, 4)); // a plain tensor still needs the exact length
    }
}
