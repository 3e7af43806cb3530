using MlpRevival.Display;

namespace MlpRevival;

/// <summary>The first call of every notebook.</summary>
public static class Course
{
    /// <summary>
    /// Registers the notebook formatters (charts, DataFrames) and reports what this notebook runs on.
    /// Display the result to see the one-line summary.
    /// </summary>
    public static string Setup()
    {
        NotebookFormatters.Register();
        return EnvironmentReport.Capture().Summary;
    }
}
