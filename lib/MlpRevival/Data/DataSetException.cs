namespace MlpRevival.Data;

/// <summary>
/// The data is missing, incomplete, corrupt or of the wrong kind. The message says what was found,
/// what was expected and what to do about it.
/// </summary>
public sealed class DataSetException(string message, Exception? inner = null) : Exception(message, inner);
