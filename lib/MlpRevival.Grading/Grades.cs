using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlpRevival.Grading;

/// <summary>One graded test cell of one submission.</summary>
public sealed record TestScore(string GradeId, double Points, double MaxPoints, string Status, string? Message)
{
    public const string Passed = "passed";
    public const string Failed = "failed";
    public const string NotRun = "not run";
    public const string Compromised = "compromised";
}

/// <summary>One notebook of one submission.</summary>
public sealed record NotebookGrade(
    string Notebook,
    double Score,
    double MaxScore,
    IReadOnlyList<TestScore> Tests,
    IReadOnlyList<string> Notes,
    string? Stopped,
    IReadOnlyList<Shadowing> Shadowing,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Flags,
    double Seconds,
    string? Feedback);

/// <summary>One student's grades, across the assignment's notebooks.</summary>
public sealed record StudentGrade(string Student, double Score, double MaxScore, IReadOnlyList<NotebookGrade> Notebooks)
{
    /// <summary>Why points were lost that the tests alone do not say: one line per reason.</summary>
    [JsonIgnore]
    public IEnumerable<string> Reasons => Notebooks.SelectMany(n =>
        (n.Stopped is null ? [] : new[] { $"{n.Notebook}: stopped: {n.Stopped}" })
        .Concat(n.Shadowing.Select(s => $"{n.Notebook}: '{s.Name}' in '{s.SolutionGradeId}' {s.Why} ({string.Join(", ", s.AffectedGradeIds)} scored 0)"))
        .Concat(n.Tests.Where(t => t.Status is TestScore.Failed or TestScore.NotRun && t.Message is not null && n.Stopped is null)
            .Select(t => $"{n.Notebook}: {t.GradeId} {t.Status}: {t.Message}"))
        .Concat(n.Notes.Select(note => $"{n.Notebook}: {note}"))
        .Concat(n.Flags.Select(f => $"{n.Notebook}: '{f.Key}' {string.Join("; ", f.Value)} (for review)")));
}

/// <summary>Every student's grades: what `course grade` writes to grades.json.</summary>
public sealed record GradeReport(string Sandbox, DateTimeOffset GradedAt, IReadOnlyList<string> Columns, IReadOnlyList<StudentGrade> Students)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static GradeReport FromJson(string json) =>
        JsonSerializer.Deserialize<GradeReport>(json, Json) ?? throw new InvalidDataException("empty grade report");
}
