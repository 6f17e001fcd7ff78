using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Inference.Contracts;
using Inference.Sagas;
using MassTransit;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace Inference.Cli;

/// <summary>
/// <c>inference run FILE.jsonl</c>: feeds a file through the whole pipeline in this process and writes what came out. Made for
/// scripts too: the summary (tables, or JSON with <c>--json</c>) goes to stdout, everything else (progress, rejected lines,
/// errors) to stderr, and the exit code says how it went (<see cref="RunExitCodes"/>). An output or database that cannot be
/// written fails the run before it starts.
/// </summary>
public sealed class RunCommand(RunSettings settings, IAnsiConsole console, IAnsiConsole? errors = null)
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    readonly IAnsiConsole _errors = errors ?? console;

    public async Task<int> ExecuteAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(settings.Input)) return Unusable($"input file '{settings.Input}' does not exist");
        if (DatabaseProblem(settings.Database) is { } database) return Unusable($"--db '{settings.Database}' cannot be written: {database}");
        StreamWriter output;
        try
        {
            output = OpenOutput(settings.Output);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return Unusable($"--out '{settings.Output}' cannot be written: {e.Message}");
        }

        await using (output)
        {
            var summary = new RunSummary();
            var products = await ReadAsync(summary);
            summary.PrintRejections(_errors);
            await RunAsync(products, summary, output, cancellationToken);

            if (settings.Json) console.Profile.Out.Writer.WriteLine(summary.ToJson(settings.Output, settings.Database));
            else summary.Print(console, settings.Output);
            return summary.ExitCode;
        }
    }

    async Task RunAsync(Dictionary<Guid, (int Line, ProductInput Input)> products, RunSummary summary, StreamWriter output, CancellationToken cancellationToken)
    {
        var builder = EmbeddedPipeline.CreateBuilder(settings.ConfigurationOverrides(), bus => bus.AddConsumer<RunTracker>());
        builder.Services.AddSingleton<RunProgress>();
        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        var stopwatch = Stopwatch.StartNew();
        try
        {
            var bus = host.Services.GetRequiredService<IBus>();
            var progress = host.Services.GetRequiredService<RunProgress>();
            await _errors.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async ctx =>
                {
                    var task = ctx.AddTask("products", maxValue: Math.Max(products.Count, 1));
                    foreach (var (productId, (_, input)) in products)
                        await bus.Publish(new ProductTextReceived(productId, input.Source, input.Id, input.Text, DateTimeOffset.UtcNow), cancellationToken);
                    // Each product ends with the saga's ProductCompleted or ProductFaulted, published once its state is saved.
                    while (progress.Finished < products.Count && DateTimeOffset.UtcNow - progress.LastChange < settings.IdleTimeout)
                    {
                        task.Value = progress.Finished;
                        await Task.Delay(100, cancellationToken);
                    }

                    task.Value = progress.Finished;
                });
            summary.Elapsed = stopwatch.Elapsed;

            await WriteOutputAsync(products, host.Services.GetRequiredService<ILoadSagaRepository<ProductState>>(), summary, output, cancellationToken);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    int Unusable(string problem)
    {
        _errors.MarkupLineInterpolated($"[red]error:[/] {problem}");
        return RunExitCodes.Unusable;
    }

    /// <summary>Why the SQLite database cannot be written (null when it can): found now, not after the Store waited on it forever.</summary>
    static string? DatabaseProblem(string path)
    {
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
            connection.Open();
            using var write = connection.CreateCommand();
            write.CommandText = "BEGIN IMMEDIATE; ROLLBACK;";
            write.ExecuteNonQuery();
            return null;
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return e.Message;
        }
    }

    /// <summary>Opened before the run, so a path that cannot be written fails at once instead of after the whole run.</summary>
    static StreamWriter OpenOutput(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        return new StreamWriter(path, append: false);
    }

    async Task<Dictionary<Guid, (int Line, ProductInput Input)>> ReadAsync(RunSummary summary)
    {
        var products = new Dictionary<Guid, (int, ProductInput)>();
        await foreach (var line in new ProductFile(settings.Rules).ReadAsync(settings.Input))
        {
            if (line.Product is null)
            {
                summary.Reject(line.Number, line.Error!);
                continue;
            }

            // The Gateway's rule too: a product is named by its source and its id there.
            var productId = ProductIds.For(line.Product.Source, line.Product.Id);
            if (!products.TryAdd(productId, (line.Number, line.Product)))
                summary.Reject(line.Number, $"duplicate of line {products[productId].Item1} (same source and id)");
        }

        return products;
    }

    static async Task WriteOutputAsync(
        Dictionary<Guid, (int Line, ProductInput Input)> products,
        ILoadSagaRepository<ProductState> repository,
        RunSummary summary,
        StreamWriter writer,
        CancellationToken cancellationToken)
    {
        foreach (var (productId, (line, input)) in products.OrderBy(p => p.Value.Line))
        {
            var saga = await repository.Load(productId);
            var record = saga is null
                ? EnrichedRecord.Missing(line, input.Id, productId, "Missing")
                : EnrichedRecord.From(line, input.Id, saga);
            summary.Count(record);
            await writer.WriteLineAsync(JsonSerializer.Serialize(record, Json).AsMemory(), cancellationToken);
        }
    }
}
