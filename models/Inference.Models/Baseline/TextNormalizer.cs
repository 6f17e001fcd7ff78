using System.Text;

namespace Inference.Models.Baseline;

/// <summary>Lower-case letters and digits, every other run of characters one space: how the baselines compare words.</summary>
static class TextNormalizer
{
    public static string Words(string text)
    {
        var builder = new StringBuilder(text.Length);
        var space = true;
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                builder.Append(char.ToLowerInvariant(c));
                space = false;
            }
            else if (!space)
            {
                builder.Append(' ');
                space = true;
            }
        }

        return builder.ToString().TrimEnd();
    }
}
