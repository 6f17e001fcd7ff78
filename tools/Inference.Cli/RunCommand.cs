using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Inference.Contracts;
using Inference.Sagas;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace Inference.Cli;

/// <summary><c>inference run FILE.jsonl</c>: feeds a file through the whole pipeline in this process and writes what came out.</summary>
public sealed class RunCommand(RunSettings settings, IAnsiConsole console)
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public async Task<int> ExecuteAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(settings.Input))
        {
            console.MarkupLineInterpolated($"[red]error:[/] input file '{settings.Input}' does not exist");
            return 2;
        }

        var summary = new RunSummary();
        var products = await ReadAsync(summary);

        var builder = EmbeddedPipeline.CreateBuilder(settings.ConfigurationOverrides(), bus => bus.AddConsumer<RunTracker>());
        builder.Services.AddSingleton<RunProgress>();
        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        var stopwatch = Stopwatch.StartNew();
        try
        {
            var bus = host.Services.GetRequiredService<IBus>();
            var progress = host.Services.GetRequiredService<RunProgress>();
            await console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async ctx =>
                {
                    var task = ctx.AddTask("products", maxValue: Math.Max(products.Count, 1));
                    foreach (var (productId, (_, input)) in products)
                        await bus.Publish(new ProductTextReceived(productId, input.Source, input.Id, input.Text, DateTimeOffset.UtcNow), cancellationToken);
                    while (progress.Finished < products.Count && DateTimeOffset.UtcNow - progress.LastChange < settings.IdleTimeout)
                    {
                        task.Value = progress.Finished;
                        await Task.Delay(100, cancellationToken);
                    }

                    task.Value = progress.Finished;
                });
            summary.Elapsed = stopwatch.Elapsed;

            var repository = host.Services.GetRequiredService<ILoadSagaRepository<ProductState>>();
            await SettleAsync(products.Keys, repository, cancellationToken);
            await WriteOutputAsync(products, repository, summary, cancellationToken);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }

        summary.Print(console, settings.Output);
        return 0;
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

            var productId = ProductIds.For(line.Product.Source, line.Product.Id);
            if (!products.TryAdd(productId, (line.Number, line.Product)))
                summary.Reject(line.Number, $"duplicate of line {products[productId].Item1} (same source and id)");
        }

        foreach (var rejection in summary.Rejections.Take(RunSummary.RejectionsShown))
            console.MarkupLineInterpolated($"[yellow]line {rejection.Line}:[/] {rejection.Reason}; skipped");
        return products;
    }

    /// <summary>
    /// The run hears ProductStored at the same time as the saga does, so the last sagas may not have moved to their final state yet:
    /// wait a little for them before their state is written out.
    /// </summary>
    static async Task SettleAsync(IEnumerable<Guid> productIds, ILoadSagaRepository<ProductState> repository, CancellationToken cancellationToken)
    {
        var pending = productIds.ToList();
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(10);
        while (pending.Count > 0 && DateTimeOffset.UtcNow < deadline)
        {
            var still = new List<Guid>();
            foreach (var id in pending)
            {
                var saga = await repository.Load(id);
                if (saga is not null && saga.CurrentState is not (nameof(ProductStateMachine.Completed) or nameof(ProductStateMachine.Faulted))) still.Add(id);
            }

            pending = still;
            if (pending.Count > 0) await Task.Delay(20, cancellationToken);
        }
    }

    async Task WriteOutputAsync(
        Dictionary<Guid, (int Line, ProductInput Input)> products,
        ILoadSagaRepository<ProductState> repository,
        RunSummary summary,
        CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(settings.Output));
        if (directory is not null) Directory.CreateDirectory(directory);
        await using var writer = new StreamWriter(settings.Output);
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
