using System.Diagnostics;
using Spectre.Console;

namespace D2LLM.Cli;

/// <summary>
/// Progress of a long stage on stderr: a Spectre.Console bar with count, rate and ETA on a terminal; otherwise
/// (logs, CI) a plain line about every 10 seconds and at the end, so stdout stays clean.
/// </summary>
internal static class ProgressDisplay
{
    private static readonly IAnsiConsole ErrorConsole = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <summary>Runs <paramref name="work"/>, which reports (done, total) through the callback it is given.</summary>
    public static void Run(string title, Action<Action<int, int>> work) =>
        RunAsync(title, report =>
        {
            work(report);
            return Task.CompletedTask;
        }).GetAwaiter().GetResult(); // the work is synchronous: the task has completed

    /// <summary>Runs asynchronous <paramref name="work"/>, which reports (done, total) through the callback it is given.</summary>
    public static async Task RunAsync(string title, Func<Action<int, int>, Task> work)
    {
        if (!Console.IsErrorRedirected && ErrorConsole.Profile.Capabilities.Interactive)
        {
            await ErrorConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask(title);
                    await work((done, total) =>
                    {
                        task.MaxValue = Math.Max(total, 1);
                        task.Value = done;
                        task.Description = $"{title} {done:N0}/{total:N0}";
                    });
                });
            return;
        }

        var clock = Stopwatch.StartNew();
        var last = TimeSpan.Zero;
        await work((done, total) =>
        {
            if (clock.Elapsed - last < TimeSpan.FromSeconds(10) && done < total) return;
            last = clock.Elapsed;
            double rate = done / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
            var eta = rate > 0 ? TimeSpan.FromSeconds((total - done) / rate) : TimeSpan.Zero;
            Console.Error.WriteLine($"{title}: {done:N0}/{total:N0} ({rate:N1}/s, ETA {eta:hh\\:mm\\:ss})");
        });
    }
}
