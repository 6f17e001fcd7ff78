using System.CommandLine;
using Inference.Cli;
using Inference.Cli.Operations;
using Spectre.Console;

// Results on stdout; progress, rejected lines and errors on stderr, so a script can pipe the one and log the other.
var errors = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

var input = new Argument<FileInfo>("file") { Description = "JSON Lines: one product per line, with 'text' and optionally 'id' and 'source'" };
var output = new Option<string>("--out", "-o") { Description = "Where to write the enriched records (JSON Lines)", DefaultValueFactory = _ => "enriched.jsonl" };
var database = new Option<string>("--db") { Description = "The SQLite file the Store writes to", DefaultValueFactory = _ => "inference-run.db" };
var maxText = new Option<int>("--max-text-bytes") { Description = "Longest accepted text, in UTF-8 bytes", DefaultValueFactory = _ => RunSettings.DefaultMaxTextBytes };
var idle = new Option<int>("--idle-timeout") { Description = "Stop waiting after this many seconds without a product finishing (the stage deadlines fault a silent product after 3 minutes)", DefaultValueFactory = _ => 240 };
var runModels = new Option<string?>("--models") { Description = "The models to run: Onnx (the shipped ones), Baseline (rules) or Null (fixed answers); sets Models:Kind over embedded.json and INFERENCE_Models__Kind" };
runModels.AcceptOnlyFromAmong(RunSettings.ModelKinds);
var runJson = new Option<bool>("--json") { Description = "Print the summary as one JSON document on stdout" };

var run = new Command("run", "Run every product of a file through the whole pipeline in this process (no servers needed). Exit code: 0 all Completed, 2 could not start, 3 lines rejected, 4 products Faulted")
{
    input, output, database, maxText, idle, runModels, runJson,
};
run.SetAction((parse, cancellationToken) =>
{
    var settings = new RunSettings(
        parse.GetValue(input)!.FullName,
        parse.GetValue(output)!,
        parse.GetValue(database)!,
        parse.GetValue(maxText),
        TimeSpan.FromSeconds(parse.GetValue(idle)),
        parse.GetValue(runModels),
        parse.GetValue(runJson));
    return new RunCommand(settings, AnsiConsole.Console, errors).ExecuteAsync(cancellationToken);
});

// The operators' commands, against a running deployment: its Gateway (retry, reprocess) or its broker (redrive).
var gatewayAddress = new Option<string>("--gateway") { Description = $"The Gateway's address (default: ${GatewayClient.AddressVariable}, else http://127.0.0.1:5180/)", DefaultValueFactory = _ => GatewayClient.DefaultAddress };
var apiKey = new Option<string?>("--api-key") { Description = $"One of the Gateway's API keys (default: ${GatewayClient.KeyVariable})", DefaultValueFactory = _ => Environment.GetEnvironmentVariable(GatewayClient.KeyVariable) };
var operationsJson = new Option<bool>("--json") { Description = "Print the Gateway's answer as JSON on stdout" };
var dryRun = new Option<bool>("--dry-run") { Description = "Say what would be done, do nothing" };
var limit = new Option<int?>("--limit") { Description = "The most products (or messages) to act on" };

var retryIds = new Argument<Guid[]>("id") { Description = "Products to retry (none: every Faulted product the filter matches)", Arity = ArgumentArity.ZeroOrMore };
var retryStage = new Option<string?>("--stage") { Description = "Only products that failed at this stage: classify, classify-deep, extract, validate, store" };
var retryReason = new Option<string?>("--reason") { Description = "Only products whose fault reason contains this (any case), e.g. TimeoutException or StageTimedOut" };
var retrySince = new Option<DateTimeOffset?>("--since") { Description = "Only products Faulted at or after this time (ISO 8601)" };
var retryUntil = new Option<DateTimeOffset?>("--until") { Description = "Only products Faulted at or before this time (ISO 8601)" };
var retry = new Command("retry", "Run Faulted products of a running deployment again from the stage that failed, by id or by filter")
{
    retryIds, retryStage, retryReason, retrySince, retryUntil, limit, dryRun, gatewayAddress, apiKey, operationsJson,
};
retry.SetAction(async (parse, cancellationToken) =>
{
    using var gateway = new GatewayClient(new Uri(parse.GetValue(gatewayAddress)!), parse.GetValue(apiKey));
    return await new RetryCommand(gateway, AnsiConsole.Console, errors).ExecuteAsync(parse.GetValue(retryIds) ?? [],
        new RetryOptions(parse.GetValue(retryStage), parse.GetValue(retryReason), parse.GetValue(retrySince), parse.GetValue(retryUntil),
            parse.GetValue(limit), parse.GetValue(dryRun)),
        parse.GetValue(operationsJson), cancellationToken);
});

var reprocessStage = new Option<string?>("--stage") { Description = "With --below: the stage whose model version is compared (classify, classify-deep, extract, validate)" };
var reprocessBelow = new Option<string?>("--below") { Description = "Only records whose --stage model is of a lower version than this (e.g. 1.1.0)" };
var reprocessCategory = new Option<string?>("--category") { Description = "Only records of this category" };
var reprocessSource = new Option<string?>("--source") { Description = "Only records of this source" };
var reprocessBefore = new Option<DateTimeOffset?>("--stored-before") { Description = "Only records stored before this time (ISO 8601)" };
var reprocessRate = new Option<double?>("--rate") { Description = "Products per second (default Gateway:Reprocess:DefaultRate)" };
var reprocessNoWait = new Option<bool>("--no-wait") { Description = "Start the job and return; follow it on the dashboard or GET /v1/reprocess/{id}" };
var reprocess = new Command("reprocess", "Send stored products of a running deployment through the pipeline again (a new revision each), at a bounded rate, and follow the job")
{
    reprocessStage, reprocessBelow, reprocessCategory, reprocessSource, reprocessBefore, reprocessRate, limit, dryRun, reprocessNoWait, gatewayAddress, apiKey, operationsJson,
};
reprocess.SetAction(async (parse, cancellationToken) =>
{
    using var gateway = new GatewayClient(new Uri(parse.GetValue(gatewayAddress)!), parse.GetValue(apiKey));
    return await new ReprocessCommand(gateway, AnsiConsole.Console, errors).ExecuteAsync(
        new ReprocessOptions(parse.GetValue(reprocessStage), parse.GetValue(reprocessBelow), parse.GetValue(reprocessCategory), parse.GetValue(reprocessSource),
            parse.GetValue(reprocessBefore), parse.GetValue(reprocessRate), parse.GetValue(limit), parse.GetValue(dryRun)),
        !parse.GetValue(reprocessNoWait), parse.GetValue(operationsJson), cancellationToken);
});

var redriveQueues = new Argument<string[]>("queue") { Description = "Queues whose <queue>_error messages go back to them (classify, extract-generic, store, …)", Arity = ArgumentArity.OneOrMore };
var redriveBroker = new Option<string>("--broker") { Description = "The broker, amqp://user:password@host:port/vhost (default: $INFERENCE_RABBITMQ)", DefaultValueFactory = _ => RedriveCommand.DefaultBroker };
var redrive = new Command("redrive", "Move the messages of <queue>_error back to <queue> on a running deployment's broker; each redriven command moves its product on")
{
    redriveQueues, redriveBroker, limit,
};
redrive.SetAction((parse, cancellationToken) =>
    new RedriveCommand(new Uri(parse.GetValue(redriveBroker)!), AnsiConsole.Console, errors).ExecuteAsync(parse.GetValue(redriveQueues)!, parse.GetValue(limit), cancellationToken));

var configuration = new Option<string>("--configuration", "-c") { Description = "Which build of the services to run (Debug or Release)", DefaultValueFactory = _ => "Release" };
var logs = new Option<string>("--logs") { Description = "Where each service writes its log", DefaultValueFactory = _ => Path.Combine(".infra", "stack") };
var stack = new Command("stack", "Run every service as its own process on the loopback RabbitMQ, Redis and PostgreSQL (scripts/infra/start.sh) until Ctrl-C")
{
    configuration, logs,
};
stack.SetAction((parse, cancellationToken) =>
    new StackCommand(parse.GetValue(configuration)!, Path.GetFullPath(parse.GetValue(logs)!), AnsiConsole.Console).ExecuteAsync(cancellationToken));

var benchInput = new Option<string>("--input") { Description = "JSON Lines of products to publish (used again under new ids if shorter than --products)", DefaultValueFactory = _ => Path.Combine("..", "shared", "data", "dev.jsonl") };
var benchProducts = new Option<int>("--products", "-n") { Description = "How many products to publish", DefaultValueFactory = _ => 20_000 };
var benchWarmUp = new Option<int>("--warm-up") { Description = "Products run through, at the run's rate, before measuring; measuring starts once every process is idle (JIT compilation in every process)", DefaultValueFactory = _ => 2_000 };
var benchModels = new Option<string>("--models") { Description = "real: the shipped models; null: pass-throughs, to measure orchestration alone", DefaultValueFactory = _ => "real" };
benchModels.AcceptOnlyFromAmong("real", "null");
var benchRate = new Option<double?>("--rate") { Description = "Publish at this many products per second instead of flooding" };
var benchGateway = new Option<bool>("--with-gateway") { Description = "Run the Gateway too, as a deployment does, and count its CPU and memory" };
var benchResults = new Option<string>("--results") { Description = "Where the JSON and Markdown results go", DefaultValueFactory = _ => Path.Combine("bench", "results") };
var bench = new Command("bench", "End-to-end benchmark on the loopback servers, every service its own process: throughput, latency, CPU and memory")
{
    benchInput, benchProducts, benchWarmUp, benchModels, benchRate, benchGateway, benchResults, configuration,
};
bench.SetAction((parse, cancellationToken) => new Inference.Cli.Bench.BenchCommand(
    new Inference.Cli.Bench.BenchSettings(
        Path.GetFullPath(parse.GetValue(benchInput)!), parse.GetValue(benchProducts), parse.GetValue(benchWarmUp), parse.GetValue(benchModels)!,
        parse.GetValue(benchRate), parse.GetValue(configuration)!, parse.GetValue(benchResults)!, TimeSpan.FromSeconds(120),
        parse.GetValue(benchGateway)),
    "inference " + string.Join(' ', args), AnsiConsole.Console).ExecuteAsync(cancellationToken));

var chaosProducts = new Option<int>("--products", "-n") { Description = "How many products to send", DefaultValueFactory = _ => 10_000 };
var chaosRate = new Option<double>("--rate") { Description = "Products sent per second; the faults are spread over the feed", DefaultValueFactory = _ => 40 };
var chaosKills = new Option<int>("--orchestrator-kills") { Description = "How many times the Orchestrator is killed (every other service once)", DefaultValueFactory = _ => 3 };
var chaosModels = new Option<string>("--models") { Description = "Onnx (the shipped models), Baseline or Null", DefaultValueFactory = _ => "Onnx" };
chaosModels.AcceptOnlyFromAmong("Onnx", "Baseline", "Null");
var chaosPatience = new Option<int>("--patience") { Description = "Minutes every product may take, after the last was sent, to be Completed or Faulted", DefaultValueFactory = _ => 10 };
var chaosOnly = new Option<string[]>("--only") { Description = "Inject only these kinds of fault: orchestrator, classifier, classifier-deep, extractor, validator, store, redis, postgres, rabbitmq", AllowMultipleArgumentsPerToken = true };
var chaos = new Command("chaos", "Fault injection on the loopback servers: products flow while every kind of service is killed (SIGKILL) and every server restarted; then every product is checked against its saga and the store")
{
    chaosProducts, chaosRate, chaosKills, chaosModels, chaosPatience, chaosOnly, benchInput, benchResults, configuration, logs,
};
chaos.SetAction((parse, cancellationToken) => new ChaosCommand(
    new Inference.Loopback.Chaos.ChaosSettings(
        Path.GetFullPath(parse.GetValue(benchInput)!), parse.GetValue(chaosProducts), parse.GetValue(chaosRate), parse.GetValue(chaosKills),
        parse.GetValue(chaosModels)!, TimeSpan.FromMinutes(parse.GetValue(chaosPatience)),
        Path.Combine(Path.GetFullPath(parse.GetValue(logs)!), "chaos", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss")),
        parse.GetValue(chaosOnly) is { Length: > 0 } only ? only : null),
    parse.GetValue(configuration)!, parse.GetValue(benchResults)!, "inference " + string.Join(' ', args), AnsiConsole.Console).ExecuteAsync(cancellationToken));

var evalModels = new Option<string?>("--models") { Description = "The folder of model folders (default: the repository's models/artifacts)" };
var evalRecords = new Option<string?>("--records") { Description = "The evaluation records (default: models/eval/folds89.jsonl)" };
var evalWrite = new Option<bool>("--write") { Description = "Write the C# figures into each manifest's metrics.csharp" };
var evalRules = new Option<string?>("--rules") { Description = "The extraction rules the extractors run after their decoder: All (default, as shipped), None, or rule names joined by commas" };
var evalDump = new Option<string?>("--dump") { Description = "Write every extractor's values per record to this JSON-lines file (error analysis)" };
var evalMpnMinScore = new Option<double>("--mpn-min-score") { Description = "Drop decoded MPNs scoring below this (Models:MpnMinimumScore; 0, as shipped, keeps every one)" };
var eval = new Command("eval", "Evaluate every shipped model and its baseline on the held-out records (folds 8 and 9): one table, figures as the Python evaluation defines them")
{
    evalModels, evalRecords, evalWrite, evalRules, evalDump, evalMpnMinScore,
};
eval.SetAction(parse => new Inference.Cli.Eval.EvalCommand(parse.GetValue(evalModels), parse.GetValue(evalRecords), parse.GetValue(evalWrite), AnsiConsole.Console,
    parse.GetValue(evalRules), parse.GetValue(evalDump), parse.GetValue(evalMpnMinScore)).Execute());

var embedModel = new Option<string>("--model") { Description = "The sentence encoder's model folder (with its manifest)", Required = true };
var embedRecords = new Option<string>("--records") { Description = "JSON Lines with a 'text' on every line", Required = true };
var embedOut = new Option<string>("--out") { Description = "Where the float32 rows go", Required = true };
var embed = new Command("embed", "Write the sentence encoder's embedding of every line's text (float32 rows, in order): the deep classifier's training input (models/build.sh)")
{
    embedModel, embedRecords, embedOut,
};
embed.SetAction(parse => new Inference.Cli.Eval.EmbedCommand(parse.GetValue(embedModel)!, parse.GetValue(embedRecords)!, parse.GetValue(embedOut)!, AnsiConsole.Console).Execute());

var schemasOut = new Option<string>("--out") { Description = "The folder the schemas go to", DefaultValueFactory = _ => MessageSchemas.Folder };
var schemas = new Command("schemas", "Write the JSON Schema of every message (contracts/schemas/), generated from the C# records")
{
    schemasOut,
};
schemas.SetAction(parse =>
{
    foreach (var name in MessageSchemas.Write(parse.GetValue(schemasOut)!)) AnsiConsole.MarkupLineInterpolated($"wrote {name}");
});

var root = new RootCommand("Inference: product text in, enriched and validated product records out") { run, stack, bench, chaos, eval, embed, schemas, retry, reprocess, redrive };
return await root.Parse(args).InvokeAsync();
