namespace D2LLM.Pipelines;

/// <summary>
/// What a pipeline reports while it runs: a stage's count (<see cref="Done"/> of <see cref="Total"/> items, named in
/// <see cref="Stage"/>, e.g. "teacher judgements (pairs)"), or, when <see cref="Message"/> is set, a line about it.
/// </summary>
public readonly record struct PipelineProgress(string Stage, int Done, int Total, string? Message = null)
{
    /// <summary>A line to log (a stage's result, a resumed state).</summary>
    public static PipelineProgress Log(string message) => new("", 0, 0, message);
}
