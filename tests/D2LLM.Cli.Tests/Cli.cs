using System.Diagnostics;

namespace D2LLM.Cli.Tests;

/// <summary>Runs the built CLI (D2LLM.Cli.dll beside the tests) as a child process, as a user would.</summary>
internal static class Cli
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "D2LLM.Cli.dll");

    public static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }

    /// <summary>Runs to the end: exit code, stdout, stderr.</summary>
    public static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5))) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts the CLI and kills it (SIGKILL) as soon as <paramref name="reached"/> holds; fails if it ended first.</summary>
    public static void KillWhen(string[] args, Func<bool> reached, string stage)
    {
        using var process = Start(args);
        _ = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!reached() && !process.HasExited && clock.Elapsed < TimeSpan.FromMinutes(2)) Thread.Sleep(2);
        Assert.False(process.HasExited, $"the run ended before it could be killed while {stage}; make the case larger. {(process.HasExited ? stderr.Result : "")}");
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }
}
