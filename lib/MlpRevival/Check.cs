using System.Globalization;

namespace MlpRevival;

/// <summary>A check cell's claim that turned out false.</summary>
public sealed class CheckFailedException(string message) : Exception(message);

/// <summary>
/// Check cells: every number a notebook states is computed and then asserted here. A passing check
/// prints "✓ claim" so the reader sees what was verified; a failing one throws with what was
/// expected and what was found, which stops the notebook (and fails its test).
/// </summary>
public static class Check
{
    public static void That(bool condition, string claim)
    {
        if (!condition) throw new CheckFailedException($"Check failed: {claim}");
        Pass(claim);
    }

    public static void Equal<T>(T expected, T actual, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
            throw new CheckFailedException($"Check failed: {what}: expected {Show(expected)}, got {Show(actual)}");
        Pass($"{what} = {Show(actual)}");
    }

    /// <summary>Same elements in the same order (shapes, index lists).</summary>
    public static void SequenceEqual<T>(IEnumerable<T> expected, IEnumerable<T> actual, string what)
    {
        var e = expected.ToList();
        var a = actual.ToList();
        if (!e.SequenceEqual(a))
            throw new CheckFailedException($"Check failed: {what}: expected {Show(e)}, got {Show(a)}");
        Pass($"{what} = {Show(a)}");
    }

    /// <summary>|actual − expected| ≤ tolerance.</summary>
    public static void Close(double expected, double actual, double tolerance, string what)
    {
        if (!(Math.Abs(actual - expected) <= tolerance))
            throw new CheckFailedException(
                $"Check failed: {what}: expected {Show(expected)} ± {Show(tolerance)}, got {Show(actual)} (off by {Show(Math.Abs(actual - expected))})");
        Pass($"{what} = {Show(actual)} (expected {Show(expected)} ± {Show(tolerance)})");
    }

    /// <summary>low ≤ actual ≤ high.</summary>
    public static void Between(double low, double high, double actual, string what)
    {
        if (!(actual >= low && actual <= high))
            throw new CheckFailedException($"Check failed: {what}: expected between {Show(low)} and {Show(high)}, got {Show(actual)}");
        Pass($"{what} = {Show(actual)} (within [{Show(low)}, {Show(high)}])");
    }

    static void Pass(string claim) => Console.WriteLine($"✓ {claim}");

    static string Show<T>(T value) => value switch
    {
        null => "null",
        double d => d.ToString("G6", CultureInfo.InvariantCulture),
        float f => f.ToString("G6", CultureInfo.InvariantCulture),
        long or int => string.Format(CultureInfo.InvariantCulture, "{0:N0}", value),
        string s => $"\"{s}\"",
        System.Collections.IEnumerable e => "[" + string.Join(", ", e.Cast<object?>().Select(x => Show(x))) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
