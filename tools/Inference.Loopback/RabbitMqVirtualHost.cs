using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using MassTransit;

namespace Inference.Loopback;

/// <summary>A RabbitMQ virtual host of one's own for a test or a benchmark run, so runs sharing the broker never see each other's queues.</summary>
public sealed class RabbitMqVirtualHost : IAsyncDisposable
{
    readonly HttpClient _management;
    readonly LoopbackServers _servers;

    RabbitMqVirtualHost(HttpClient management, LoopbackServers servers, string name)
    {
        _management = management;
        _servers = servers;
        Name = name;
    }

    public string Name { get; }

    /// <summary>The servers this virtual host is on.</summary>
    public LoopbackServers Servers => _servers;

    /// <summary>Configuration for <c>Transport</c> pointing the services at this virtual host.</summary>
    public IDictionary<string, string?> TransportSettings() => new Dictionary<string, string?>
    {
        ["Transport:Kind"] = "RabbitMq",
        ["Transport:RabbitMq:Host"] = _servers.RabbitMq.Host,
        ["Transport:RabbitMq:Port"] = _servers.RabbitMq.Port.ToString(),
        ["Transport:RabbitMq:VirtualHost"] = Name,
        ["Transport:RabbitMq:Username"] = _servers.RabbitMqUsername,
        ["Transport:RabbitMq:Password"] = _servers.RabbitMqPassword,
        ["Transport:RabbitMq:ManagementUri"] = _servers.RabbitMqManagement.ToString(),
    };

    /// <summary>The AMQP address of this virtual host (<c>amqp://user:password@host:port/vhost</c>), as operators' tools take it.</summary>
    public Uri AmqpUri() => new UriBuilder(_servers.RabbitMq) { Path = "/" + Uri.EscapeDataString(Name) }.Uri;

    public static async Task<RabbitMqVirtualHost> CreateAsync(string purpose, LoopbackServers? servers = null)
    {
        servers ??= LoopbackServers.Current;
        var management = Client(servers);
        var name = LoopbackServers.UniqueName(purpose);
        var vhost = Uri.EscapeDataString(name);
        (await management.PutAsync($"api/vhosts/{vhost}", null)).EnsureSuccessStatusCode();
        (await management.PutAsJsonAsync($"api/permissions/{vhost}/{Uri.EscapeDataString(servers.RabbitMqUsername)}", new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
        return new RabbitMqVirtualHost(management, servers, name);
    }

    /// <summary>The names of this virtual host's queues.</summary>
    public async Task<IReadOnlyList<string>> QueuesAsync()
    {
        var queues = await _management.GetFromJsonAsync<System.Text.Json.JsonElement>($"api/queues/{Uri.EscapeDataString(Name)}?columns=name");
        return queues.EnumerateArray().Select(q => q.GetProperty("name").GetString()!).ToArray();
    }

    /// <summary>Messages waiting in a queue of this virtual host (0 when the queue does not exist).</summary>
    public async Task<long> MessagesInAsync(string queue)
    {
        var response = await _management.GetAsync($"api/queues/{Uri.EscapeDataString(Name)}/{Uri.EscapeDataString(queue)}");
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound) return 0;
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return body.TryGetProperty("messages", out var messages) ? messages.GetInt64() : 0;
    }

    /// <summary>Publishes raw bytes to an exchange, as a misbehaving upstream system might: no serializer, no envelope checks.</summary>
    public async Task PublishRawAsync(string exchange, string payload, string contentType, Guid? messageId = null)
    {
        var properties = new Dictionary<string, object> { ["content_type"] = contentType, ["delivery_mode"] = 2 };
        if (messageId is { } id) properties["message_id"] = id.ToString();
        var response = await _management.PostAsJsonAsync(
            $"api/exchanges/{Uri.EscapeDataString(Name)}/{Uri.EscapeDataString(exchange)}/publish",
            new { properties, routing_key = "", payload, payload_encoding = "string" });
        response.EnsureSuccessStatusCode();
        var routed = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        if (!routed.GetProperty("routed").GetBoolean()) throw new InvalidOperationException($"nothing is bound to exchange {exchange}");
    }

    public async ValueTask DisposeAsync()
    {
        await _management.DeleteAsync($"api/vhosts/{Uri.EscapeDataString(Name)}");
        _management.Dispose();
    }

    /// <summary>A bus of an upstream system on this virtual host, as a producer of ProductTextReceived would run it.</summary>
    public IBusControl CreateUpstreamBus() => Bus.Factory.CreateUsingRabbitMq(cfg =>
        cfg.Host(_servers.RabbitMq.Host, (ushort)_servers.RabbitMq.Port, Name, host =>
        {
            host.Username(_servers.RabbitMqUsername);
            host.Password(_servers.RabbitMqPassword);
        }));

    /// <summary>A client of the management API, signed in as the servers' user.</summary>
    public static HttpClient Client(LoopbackServers servers)
    {
        var client = new HttpClient { BaseAddress = servers.RabbitMqManagement, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{servers.RabbitMqUsername}:{servers.RabbitMqPassword}")));
        return client;
    }
}
