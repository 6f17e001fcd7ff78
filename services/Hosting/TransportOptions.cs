namespace Inference.Hosting;

/// <summary>Which message transport the bus runs on, and where to find it (checked at start-up by <see cref="TransportOptionsValidator"/>).</summary>
public sealed class TransportOptions
{
    public const string Section = "Transport";

    /// <summary><c>InMemory</c> (one process: the embedded run and fast tests) or <c>RabbitMq</c> (production).</summary>
    public TransportKind Kind { get; set; } = TransportKind.InMemory;

    public RabbitMqOptions RabbitMq { get; set; } = new();
}

public enum TransportKind
{
    InMemory,
    RabbitMq,
}

/// <summary>Where the RabbitMQ broker is.</summary>
public sealed class RabbitMqOptions
{
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 5672;

    public string VirtualHost { get; set; } = "/";

    public string Username { get; set; } = "guest";

    public string Password { get; set; } = "guest";

    /// <summary>The management API (queue depths for the dashboard and for autoscaling).</summary>
    public Uri? ManagementUri { get; set; }

    /// <summary>The management API's credentials (the broker's user), as an HTTP Basic header.</summary>
    public System.Net.Http.Headers.AuthenticationHeaderValue ManagementAuthorization() =>
        new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{Username}:{Password}")));

    public override string ToString() => $"amqp://{Host}:{Port}{(VirtualHost == "/" ? "/" : "/" + VirtualHost)}";
}
