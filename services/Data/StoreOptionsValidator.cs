using Microsoft.Extensions.Options;

namespace Inference.Data;

/// <summary>Refuses a database that cannot be reached as configured, naming the key: an empty or unreadable connection string.</summary>
public sealed class StoreOptionsValidator : IValidateOptions<StoreOptions>
{
    public ValidateOptionsResult Validate(string? name, StoreOptions options)
    {
        const string Key = $"{StoreOptions.Section}:{nameof(StoreOptions.ConnectionString)}";
        if (!Enum.IsDefined(options.Provider))
            return ValidateOptionsResult.Fail($"{StoreOptions.Section}:{nameof(StoreOptions.Provider)} must be Sqlite or Postgres, was {options.Provider}.");
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
            return ValidateOptionsResult.Fail($"{Key} is empty: give the {options.Provider} database's connection string.");
        try
        {
            _ = options.Address();
        }
        catch (ArgumentException e)
        {
            return ValidateOptionsResult.Fail($"{Key} is not a {options.Provider} connection string: {e.Message}");
        }

        return ValidateOptionsResult.Success;
    }
}
