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

var root = new RootCommand("Inference: product text in, enriched and validated product records out") { run };
return await root.Parse(args).InvokeAsync();
