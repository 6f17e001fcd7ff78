using System.Collections;
using System.Reflection;

namespace Inference.Tests.Deployment;

/// <summary>Checks a configuration key (<c>Section__Property__…</c>) against the typed options classes the services bind.</summary>
public static class ConfigurationKeys
{
    /// <summary>Every options class of the solution, by its <c>Section</c> constant.</summary>
    static readonly Dictionary<string, Type> OptionsBySection = Directory
        .GetFiles(AppContext.BaseDirectory, "Inference.*.dll")
        .Select(path => Assembly.Load(AssemblyName.GetAssemblyName(path)))
        .SelectMany(a => a.GetTypes())
        .Select(t => (Type: t, Section: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)))
        .Where(x => x.Section is { IsLiteral: true } && x.Section.FieldType == typeof(string))
        .ToDictionary(x => (string)x.Section!.GetRawConstantValue()!, x => x.Type, StringComparer.OrdinalIgnoreCase);

    public static IReadOnlyCollection<string> Sections => OptionsBySection.Keys;

    /// <summary>Null when the key binds to a property; otherwise why it does not.</summary>
    public static string? Problem(string key)
    {
        var parts = key.Split("__");
        if (!OptionsBySection.TryGetValue(parts[0], out var type))
            return $"no options class has section '{parts[0]}' (known: {string.Join(", ", OptionsBySection.Keys.Order())})";

        foreach (var part in parts.Skip(1))
        {
            if (type.IsEnum || type == typeof(string) || type.IsPrimitive)
                return $"'{part}' goes below a value of type {type.Name}";
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            {
                type = type.GetGenericArguments()[1];
                continue;
            }

            if (typeof(IEnumerable).IsAssignableFrom(type) && type.IsGenericType)
            {
                if (!int.TryParse(part, out _)) return $"'{part}' should be an index into a list";
                type = type.GetGenericArguments()[0];
                continue;
            }

            var property = type.GetProperty(part, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || !property.CanWrite && !property.PropertyType.IsClass)
                return $"{type.Name} has no settable property '{part}'";
            type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        }

        return null;
    }
}
