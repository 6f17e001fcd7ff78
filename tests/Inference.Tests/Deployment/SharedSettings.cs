using System.Text.Json;
using System.Text.Json.Serialization;
using Inference.Data;
using Inference.Hosting;
using Inference.Sagas;
using Inference.Sagas.Redis;
using Microsoft.Extensions.Configuration;

namespace Inference.Tests.Deployment;

/// <summary>
/// The settings more than one process reads, and which processes read each: where two of them read a section, they must bind
/// the same options from it (the Gateway finds a product only in the saga store the Orchestrator writes, reads the table the
/// Store writes, refuses the texts the bus door refuses), and every consumer runs with the one queue tuning.
/// </summary>
public static class SharedSettings
{
    /// <summary>The name this table gives <c>inference run</c>'s settings (<c>tools/Inference.Cli/embedded.json</c>).</summary>
    public const string Embedded = "embedded";

    static readonly string Root = SolutionLayout.FindRoot(AppContext.BaseDirectory);
    static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    /// <summary>The service folders under <c>services/</c> that run as a process.</summary>
    public static readonly string[] Services = ["Orchestrator", "Classifier", "Extractor", "Validator", "Store", "Gateway"];

    /// <param name="Readers">Service folders (or <see cref="Embedded"/>) that read the section and so must agree on it.</param>
    /// <param name="OwnKeys">Keys of the section each reader may set for itself (only the Store migrates the table).</param>
    /// <param name="Tuning">
    /// Not where the servers are but how the pipeline behaves: a deployment runs with the services' own values unless its
    /// values say otherwise.
    /// </param>
    public sealed record Section(string Name, Type Options, string[] Readers, string[] OwnKeys, bool Tuning = false)
    {
        public override string ToString() => Name;
    }

    /// <summary>
    /// The embedded run keeps its own transport, saga store and database (one process, in memory, SQLite): it shares the
    /// queue tuning, the routing table and the rules of a product's text.
    /// </summary>
    public static readonly Section[] Sections =
    [
        new(TransportOptions.Section, typeof(TransportOptions), Services, []),
        new(QueueOptions.Section, typeof(QueueOptions), [.. Services, Embedded], [], Tuning: true),
        new(SagaRepositoryOptions.Section, typeof(SagaRepositoryOptions), ["Orchestrator", "Gateway"], []),
        new(StoreOptions.Section, typeof(StoreOptions), ["Store", "Gateway"], [nameof(StoreOptions.MigrateOnStart)]),
        new(ProductTextOptions.Section, typeof(ProductTextOptions), ["Orchestrator", "Gateway", Embedded], [], Tuning: true),
        new(RoutingOptions.Section, typeof(RoutingOptions), ["Orchestrator", Embedded], [], Tuning: true),
        new(StageDeadlineOptions.Section, typeof(StageDeadlineOptions), ["Orchestrator"], [], Tuning: true),
    ];

    /// <summary>A service's own settings file (<c>services/&lt;folder&gt;/appsettings.json</c>), or the embedded run's.</summary>
    public static string FileOf(string reader) => reader == Embedded
        ? Path.Combine(Root, "tools", "Inference.Cli", "embedded.json")
        : Path.Combine(Root, "services", reader, "appsettings.json");

    /// <summary>What a process of <paramref name="reader"/> sees: its settings file, with <paramref name="deployed"/> (a deployment's environment) over it.</summary>
    public static IConfiguration Of(string reader, IConfiguration? deployed = null)
    {
        var builder = new ConfigurationBuilder().AddJsonFile(FileOf(reader), optional: false);
        if (deployed is not null) builder.AddConfiguration(deployed);
        return builder.Build();
    }

    /// <summary>The section bound into its options class (code defaults where nothing is set), less the readers' own keys, as JSON.</summary>
    public static string Bound(Section section, IConfiguration configuration)
    {
        var options = configuration.GetSection(section.Name).Get(section.Options) ?? Activator.CreateInstance(section.Options)!;
        var json = JsonSerializer.SerializeToNode(options, section.Options, Json)!.AsObject();
        foreach (var key in section.OwnKeys) json.Remove(key);
        return json.ToJsonString();
    }

    /// <summary>
    /// For every section, where two processes that read it (by name, with the reader each is: a folder or <see cref="Embedded"/>)
    /// bind different options: the section, both processes and both values.
    /// </summary>
    public static IReadOnlyList<string> Disagreements(IEnumerable<(string Name, string Reader, IConfiguration Settings)> processes)
    {
        var all = processes.ToArray();
        var found = new List<string>();
        foreach (var section in Sections)
        {
            var readers = all.Where(p => section.Readers.Contains(p.Reader, StringComparer.OrdinalIgnoreCase))
                .Select(p => (p.Name, Value: Bound(section, p.Settings))).ToArray();
            found.AddRange(readers.Skip(1).Where(r => r.Value != readers[0].Value)
                .Select(r => $"{section.Name}: {r.Name} binds {r.Value}, {readers[0].Name} binds {readers[0].Value}"));
        }

        return found;
    }

    /// <summary>
    /// Where a deployed process (its settings file with the deployment's environment over it) binds a tuning section other
    /// than its settings file alone does: the deployment's default drifted from the services' own.
    /// </summary>
    public static IReadOnlyList<string> DriftsFromOwnFiles(IEnumerable<(string Name, string Reader, IConfiguration Settings)> deployed) =>
        deployed.SelectMany(p => Sections
                .Where(section => section.Tuning && section.Readers.Contains(p.Reader, StringComparer.OrdinalIgnoreCase))
                .Select(section => (Section: section, Deployed: Bound(section, p.Settings), Own: Bound(section, Of(p.Reader))))
                .Where(x => x.Deployed != x.Own)
                .Select(x => $"{x.Section.Name}: {p.Name} binds {x.Deployed}, {FileOf(p.Reader)} alone {x.Own}"))
            .ToArray();

    /// <summary>The settings of a deployment's process (<c>Section__Key</c> environment variables) as .NET configuration.</summary>
    public static IConfiguration FromEnvironment(IEnumerable<(string Key, string Value)> variables) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(variables.Select(v => KeyValuePair.Create(v.Key.Replace("__", ":", StringComparison.Ordinal), (string?)v.Value)))
            .Build();
}
