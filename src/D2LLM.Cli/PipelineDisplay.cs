using System.Diagnostics;
using D2LLM.Pipelines;
using Spectre.Console;

namespace D2LLM.Cli;

/// <summary>
/// Shows a library pipeline's progress on stderr: each stage's count as a Spectre.Console bar with rate and ETA on a
/// terminal, otherwise (logs, CI) a line about every 10 seconds and at the stage's end; log lines with the elapsed time.
/// </summary>
internal static class PipelineDisplay
{
    public static T Run<T>(Func<IProgress<PipelineProgress>, T> work) =>
        RunAsync(progress => Task.FromResult(work(progress))).GetAwaiter().GetResult(); // synchronous work: the task has completed

    public static async Task<T> RunAsync<T>(Func<IProgress<PipelineProgress>, Task<T>> work)
    {
        var clock = Stopwatch.StartNew();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (Console.IsErrorRedirected || !console.Profile.Capabilities.Interactive) return await work(new Lines(clock));
        T result = default!;
        await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context => result = await work(new Bars(console, context, clock)));
        return result;
    }

    private static string Stamp(Stopwatch clock, string message) => $"[{clock.Elapsed:mm\\:ss}] {message}";

    /// <summary>Plain lines: messages at once, counts every 10 seconds per stage and when it completes.</summary>
    private sealed class Lines(Stopwatch clock) : IProgress<PipelineProgress>
    {
        private readonly Dictionary<string, (TimeSpan Last, TimeSpan Start)> _stages = new();

        public void Report(PipelineProgress value)
        {
            if (value.Message is not null)
            {
                Console.Error.WriteLine(Stamp(clock, value.Message));
                return;
            }

            if (!_stages.TryGetValue(value.Stage, out var stage)) _stages[value.Stage] = stage = (TimeSpan.Zero, clock.Elapsed);
            if (clock.Elapsed - stage.Last < TimeSpan.FromSeconds(10) && value.Done < value.Total) return;
            _stages[value.Stage] = (clock.Elapsed, stage.Start);
            double rate = value.Done / Math.Max((clock.Elapsed - stage.Start).TotalSeconds, 1e-9);
            var eta = rate > 0 ? TimeSpan.FromSeconds((value.Total - value.Done) / rate) : TimeSpan.Zero;
            Console.Error.WriteLine($"{value.Stage}: {value.Done:N0}/{value.Total:N0} ({rate:N1}/s, ETA {eta:hh\\:mm\\:ss})");
        }
    }

    /// <summary>A bar per stage; messages above the bars.</summary>
    private sealed class Bars(IAnsiConsole console, ProgressContext context, Stopwatch clock) : IProgress<PipelineProgress>
    {
        private readonly Dictionary<string, ProgressTask> _tasks = new();

        public void Report(PipelineProgress value)
        {
            if (value.Message is not null)
            {
                console.MarkupLine(Markup.Escape(Stamp(clock, value.Message)));
                return;
            }

            if (!_tasks.TryGetValue(value.Stage, out var task)) _tasks[value.Stage] = task = context.AddTask(Markup.Escape(value.Stage));
            task.MaxValue = Math.Max(value.Total, 1);
            task.Value = value.Done;
            task.Description = Markup.Escape($"{value.Stage} {value.Done:N0}/{value.Total:N0}");
        }
    }
}
