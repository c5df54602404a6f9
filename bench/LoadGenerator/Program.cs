using System.Text.Json;
using LoadGenerator;

// A load generator for the chat REST API: submits, watches every result, checks every reply, and prints
// what it measured as a table and as one JSON line (the last line of its output).
if (args is ["summarize", var resultsFile])
{
    Console.Write(Summary.ToMarkdown(await File.ReadAllLinesAsync(resultsFile)));
    return 0;
}

if (args is ["summarize-stream", var streamResults])
{
    Console.Write(StreamCommand.Summarize(await File.ReadAllLinesAsync(streamResults)));
    return 0;
}

if (args is ["stream", .. var streamArgs])
{
    return await StreamCommand.RunAsync(streamArgs);
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception exception) when (exception is ArgumentException or FormatException)
{
    Console.Error.WriteLine(exception.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

ThreadPool.SetMinThreads(Math.Max(Environment.ProcessorCount * 4, 32), Environment.ProcessorCount * 4);
var connections = options.Rate is null ? options.Concurrency : Math.Min(options.MaxInFlight, 1024);
using var http = new ChatHttp(options.Url, connections);
var run = new LoadRun(options, http);

if (options.WarmUp > TimeSpan.Zero)
{
    await run.RunAsync("warm-up", messages: null, options.WarmUp);
}

var cpuBefore = options.Processes.ToDictionary(p => p.Name, p => ProcessCpu.ReadMilliseconds(p.Pid));
var measured = await run.RunAsync("measured", options.Messages, options.Duration);
var cpu = options.Processes.ToDictionary(p => p.Name, p => ProcessCpu.ReadMilliseconds(p.Pid) - cpuBefore[p.Name]);
var report = BenchReport.From(options, measured, cpu);
Console.WriteLine(report.ToTable());
var json = JsonSerializer.Serialize(report, BenchJson.Default.BenchReport);
Console.WriteLine(json);
if (options.JsonOut is { } file)
{
    await File.AppendAllTextAsync(file, json + Environment.NewLine);
}

var failures = report.Failures(options);
foreach (var failure in failures)
{
    Console.Error.WriteLine($"FAILED {report.Label}: {failure}");
}

return failures.Count == 0 ? 0 : 1;
