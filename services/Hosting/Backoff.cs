namespace Inference.Hosting;

/// <summary>Exponential backoff for reconnecting: 1 s, 2 s, 4 s, … capped at 30 s.</summary>
public static class Backoff
{
    public static TimeSpan Delay(int attempt) => TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, Math.Min(attempt, 5))));
}
