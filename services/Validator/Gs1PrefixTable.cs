namespace Inference.Validator;

/// <summary>GS1's prefix allocation: the longest prefix of a GTIN names its member organisation or its special use.</summary>
public sealed class Gs1PrefixTable
{
    readonly Dictionary<string, string> _usageByPrefix;
    readonly int _longest;

    Gs1PrefixTable(Dictionary<string, string> usageByPrefix)
    {
        _usageByPrefix = usageByPrefix;
        _longest = usageByPrefix.Keys.Max(k => k.Length);
    }

    public int Count => _usageByPrefix.Count;

    /// <summary>The table compiled into this assembly.</summary>
    public static Gs1PrefixTable Load()
    {
        const string name = "Inference.Validator.gs1_prefixes.csv";
        using var stream = typeof(Gs1PrefixTable).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"the GS1 prefix table '{name}' is missing from the assembly");
        using var reader = new StreamReader(stream);
        return Parse(reader);
    }

    public static Gs1PrefixTable Parse(TextReader reader)
    {
        var table = new Dictionary<string, string>(StringComparer.Ordinal);
        var header = reader.ReadLine();
        if (header != "prefix,usage")
            throw new FormatException($"the GS1 prefix table must start with 'prefix,usage', not '{header}'");
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0) continue;
            var comma = line.IndexOf(',');
            if (comma <= 0 || !line[..comma].All(char.IsAsciiDigit))
                throw new FormatException($"GS1 prefix table line {lineNumber}: expected 'digits,usage', got '{line}'");
            table[line[..comma]] = line[(comma + 1)..].Trim('"');
        }

        return new Gs1PrefixTable(table);
    }

    /// <summary>The usage of the longest allocated prefix of <paramref name="digits"/>, or null when none is allocated.</summary>
    public (string Prefix, string Usage)? Lookup(string digits)
    {
        for (var length = Math.Min(_longest, digits.Length); length > 0; length--)
        {
            if (_usageByPrefix.TryGetValue(digits[..length], out var usage))
                return (digits[..length], usage);
        }

        return null;
    }
}
