using System.Diagnostics;

namespace D2LLM.Training;

/// <summary>
/// When a trainer saves its state: every <c>everySteps</c> steps, and whenever <c>interval</c> of wall time has passed
/// since the last save, so a short run of slow steps (a large model on a CPU) keeps its work through a kill.
/// </summary>
public sealed class CheckpointSchedule(int everySteps, TimeSpan interval)
{
    private readonly Stopwatch _sinceSave = Stopwatch.StartNew();

    /// <summary>Whether to save after <paramref name="completedSteps"/> steps.</summary>
    public bool Due(int completedSteps) => completedSteps % everySteps == 0 || _sinceSave.Elapsed >= interval;

    /// <summary>Starts the interval again after a save.</summary>
    public void Saved() => _sinceSave.Restart();
}
