using System.Diagnostics;
using System.Net;
using System.Text;
using Chat.Tests.Infrastructure;

namespace Chat.Tests;

/// <summary>
/// The load generator behind ./test's bench smoke fails the smoke when the cluster takes nothing: a frontend that
/// refuses every submission must end the run with a non-zero exit and say why, not print a table and pass.
/// </summary>
public sealed class BenchSmokeTests
{
    private const int Messages = 20;

    [Fact]
    public async Task A_strict_run_whose_every_submission_is_refused_exits_1_and_says_none_was_accepted()
    {
        using var frontend = new HttpListener();
        var url = $"http://127.0.0.1:{FreePorts.Any()}/";
        frontend.Prefixes.Add(url);
        frontend.Start();
        var refusing = RefuseEverythingAsync(frontend);

        var dll = Path.Combine(ProcessCluster.RepositoryRoot, "bench", "LoadGenerator", "bin", ProcessCluster.Configuration, "net10.0", "LoadGenerator.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: build the solution in {ProcessCluster.Configuration} first.");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { dll, "--url", url.TrimEnd('/'), "--strict", "--label", "refused", "--messages", $"{Messages}", "--concurrency", "4" })
        {
            start.ArgumentList.Add(argument);
        }

        using var generator = Process.Start(start)!;
        var output = generator.StandardOutput.ReadToEndAsync();
        var errors = generator.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await generator.WaitForExitAsync(limit.Token);
        frontend.Stop();
        await refusing;

        Assert.Equal(1, generator.ExitCode);
        Assert.Contains($"FAILED refused: none of {Messages} submissions was accepted", await errors);
        Assert.Contains($"\"submitted\":{Messages},\"accepted\":0", await output);
    }

    private static async Task RefuseEverythingAsync(HttpListener listener)
    {
        var problem = Encoding.UTF8.GetBytes("""{"title":"Refused by the test.","status":500}""");
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;  // Stopped.
            }

            context.Response.StatusCode = 500;
            context.Response.ContentType = "application/problem+json";
            await context.Response.OutputStream.WriteAsync(problem);
            context.Response.Close();
        }
    }
}
