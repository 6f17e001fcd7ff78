namespace Inference.Hosting;

/// <summary>A failure that retrying cannot mend (bad input, a routing mistake): the message goes straight to <c>_error</c>.</summary>
public class PermanentFailureException(string message, Exception? inner = null) : Exception(message, inner);
