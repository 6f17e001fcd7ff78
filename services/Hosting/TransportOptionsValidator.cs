using Microsoft.Extensions.Options;

namespace Inference.Hosting;

/// <summary>Refuses a broker address that cannot work, naming the key: an empty host, user or password, a port out of range.</summary>
public sealed class TransportOptionsValidator : IValidateOptions<TransportOptions>
{
    public ValidateOptionsResult Validate(string? name, TransportOptions options)
    {
        if (options.Kind != TransportKind.RabbitMq) return ValidateOptionsResult.Success;
        const string S = $"{TransportOptions.Section}:RabbitMq";
        var rabbit = options.RabbitMq;
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(rabbit.Host)) failures.Add($"{S}:Host is empty: name the broker's host.");
        if (rabbit.Port is < 1 or > 65535) failures.Add($"{S}:Port must be within [1, 65535], was {rabbit.Port}.");
        if (string.IsNullOrEmpty(rabbit.VirtualHost)) failures.Add($"{S}:VirtualHost is empty: use / for the default.");
        if (string.IsNullOrEmpty(rabbit.Username)) failures.Add($"{S}:Username is empty.");
        if (string.IsNullOrEmpty(rabbit.Password)) failures.Add($"{S}:Password is empty.");
        if (rabbit.ManagementUri is { } management && (!management.IsAbsoluteUri || management.Scheme is not ("http" or "https")))
            failures.Add($"{S}:ManagementUri must be an absolute http(s) address, was '{management}'.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
