using Inference.Loopback;
using Inference.Tests.Integration;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Inference.Tests.Gateway.Live;

/// <summary>
/// Once for every test of this namespace: a private RabbitMQ virtual host and PostgreSQL database, the pipeline running on
/// them in this process, and a Gateway in the test host reading the same saga repository.
/// </summary>
[SetUpFixture]
public sealed class LivePipeline
{
    public static RabbitMqVirtualHost VirtualHost { get; private set; } = null!;
    public static PostgresDatabase Database { get; private set; } = null!;
    public static InProcessPipeline Pipeline { get; private set; } = null!;
    public static GatewayFactory Gateway { get; private set; } = null!;
    public static HttpClient Client { get; private set; } = null!;

    static ConnectionMultiplexer? _redis;

    /// <summary>A text the store refuses once <see cref="RefuseMarkedTextsAsync"/> ran: the way to fault a product at the store.</summary>
    public const string RefusedMarker = "store-refuses-this-7f3a";

    /// <summary>A check constraint, as a DBA might add, that refuses every product whose text holds <see cref="RefusedMarker"/>.</summary>
    public static async Task RefuseMarkedTextsAsync()
    {
        await using var connection = new Npgsql.NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var constraint = new Npgsql.NpgsqlCommand(
            "ALTER TABLE products DROP CONSTRAINT IF EXISTS refuses_marked_text; " +
            $"ALTER TABLE products ADD CONSTRAINT refuses_marked_text CHECK (text NOT LIKE '%{RefusedMarker}%')", connection);
        await constraint.ExecuteNonQueryAsync();
    }

    /// <summary>Settings for another gateway on the same servers.</summary>
    public static Dictionary<string, string?> GatewaySettings() =>
        GatewayFactory.Settings(VirtualHost.TransportSettings(), Database.ConnectionString);

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        VirtualHost = await RabbitMqVirtualHost.CreateAsync("gateway");
        Database = await PostgresDatabase.CreateAsync("gateway");
        var transport = VirtualHost.TransportSettings();
        Pipeline = await InProcessPipeline.StartAsync(new Dictionary<string, string?>(transport)
        {
            ["Store:Provider"] = "Postgres",
            ["Store:ConnectionString"] = Database.ConnectionString,
            // The scenarios need a GTIN found for sure (validation, gtinValid); the trained extractors rarely tag a bare 13-digit
            // number as one (they call it the MPN), and they are tested on their own under Models/.
            ["Models:Kind"] = "Baseline",
        });

        // Standing in for the multiplexer the Redis saga repository will register, so the readiness check pings a real Redis.
        _redis = await ConnectionMultiplexer.ConnectAsync(LoopbackServers.Current.Redis);
        Gateway = new GatewayFactory(GatewaySettings(), Pipeline)
        {
            MoreServices = services => services.AddSingleton<IConnectionMultiplexer>(_redis),
        };
        Client = Gateway.CreateClient();
        await Http.UntilReadyAsync(Client);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        Client?.Dispose();
        if (Gateway is not null) await Gateway.DisposeAsync();
        if (Pipeline is not null) await Pipeline.DisposeAsync();
        if (_redis is not null) await _redis.DisposeAsync();
        if (VirtualHost is not null) await VirtualHost.DisposeAsync();
        if (Database is not null) await Database.DisposeAsync();
    }
}
