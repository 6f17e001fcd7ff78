using System.CommandLine;
using Inference.Cli;
using Spectre.Console;

var input = new Argument<FileInfo>("file") { Description = "JSON Lines: one product per line, with 'text' and optionally 'id' and 'source'" };
var output = new Option<string>("--out", "-o") { Description = "Where to write the enriched records (JSON Lines)", DefaultValueFactory = _ => "enriched.jsonl" };
var database = new Option<string>("--db") { Description = "The SQLite file the Store writes to", DefaultValueFactory = _ => "inference-run.db" };
var maxText = new Option<int>("--max-text-bytes") { Description = "Longest accepted text, in UTF-8 bytes", DefaultValueFactory = _ => RunSettings.DefaultMaxTextBytes };
var idle = new Option<int>("--idle-timeout") { Description = "Stop waiting after this many seconds without a product finishing", DefaultValueFactory = _ => 60 };

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

var root = new RootCommand("Inference: product text in, enriched and validated product records out") { run, stack };
return await root.Parse(args).InvokeAsync();
