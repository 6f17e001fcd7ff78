using System.CommandLine;
using Inference.Cli;
using Spectre.Console;

var input = new Argument<FileInfo>("file") { Description = "JSON Lines: one product per line, with 'text' and optionally 'id' and 'source'" };
var output = new Option<string>("--out", "-o") { Description = "Where to write the enriched records (JSON Lines)", DefaultValueFactory = _ => "enriched.jsonl" };
var database = new Option<string>("--db") { Description = "The SQLite file the Store writes to", DefaultValueFactory = _ => "inference-run.db" };
var maxText = new Option<int>("--max-text-bytes") { Description = "Longest accepted text, in UTF-8 bytes", DefaultValueFactory = _ => RunSettings.DefaultMaxTextBytes };
var idle = new Option<int>("--idle-timeout") { Description = "Stop waiting after this many seconds without a product finishing (the stage deadlines fault a silent product after 3 minutes)", DefaultValueFactory = _ => 240 };

var run = new Command("run", "Run every product of a file through the whole pipeline in this process (no servers needed)")
{
    input, output, database, maxText, idle,
};
run.SetAction((parse, cancellationToken) =>
{
    var settings = new RunSettings(
        parse.GetValue(input)!.FullName,
        parse.GetValue(output)!,
        parse.GetValue(database)!,
        parse.GetValue(maxText),
        TimeSpan.FromSeconds(parse.GetValue(idle)));
    return new RunCommand(settings, AnsiConsole.Console).ExecuteAsync(cancellationToken);
});

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
var benchResults = new Option<string>("--results") { Description = "Where the JSON and Markdown results go", DefaultValueFactory = _ => Path.Combine("bench", "results") };
var bench = new Command("bench", "End-to-end benchmark on the loopback servers, every service its own process: throughput, latency, CPU and memory")
{
    benchInput, benchProducts, benchWarmUp, benchModels, benchRate, benchResults, configuration,
};
bench.SetAction((parse, cancellationToken) => new Inference.Cli.Bench.BenchCommand(
    new Inference.Cli.Bench.BenchSettings(
        Path.GetFullPath(parse.GetValue(benchInput)!), parse.GetValue(benchProducts), parse.GetValue(benchWarmUp), parse.GetValue(benchModels)!,
        parse.GetValue(benchRate), parse.GetValue(configuration)!, parse.GetValue(benchResults)!, TimeSpan.FromSeconds(120)),
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

var root = new RootCommand("Inference: product text in, enriched and validated product records out") { run, stack, bench, chaos, eval, embed, schemas };
return await root.Parse(args).InvokeAsync();
