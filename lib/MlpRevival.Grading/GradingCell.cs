using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MlpRevival.Notebooks.Format;

namespace MlpRevival.Grading;

/// <summary>What a cell is for in a graded notebook, after nbgrader's cell types.</summary>
public enum GradingRole
{
    /// <summary>No nbgrader metadata: treated as locked when graded (the instructor's copy runs).</summary>
    Plain,
    /// <summary>Read-only instructor cell (nbgrader "locked").</summary>
    Locked,
    /// <summary>An answer the student writes (nbgrader "solution", BEGIN/END SOLUTION in it).</summary>
    Solution,
    /// <summary>Autograded tests with points (nbgrader "grade" + "locked"), visible and hidden.</summary>
    Tests,
}

/// <summary>
/// A cell's nbgrader metadata (<c>metadata.nbgrader</c>, schema version 3): the same fields nbgrader
/// writes, so instructors who know nbgrader know ours — <c>grade</c>, <c>solution</c>, <c>locked</c>,
/// <c>grade_id</c>, <c>points</c>, and at release the <c>checksum</c> fingerprint of a locked cell.
/// </summary>
public sealed record GradingCell(NotebookCell Cell, GradingRole Role, string GradeId, double Points, string? Checksum)
{
    public const string MetadataKey = "nbgrader";
    public const int SchemaVersion = 3;

    public static GradingCell Of(NotebookCell cell)
    {
        if (cell.Metadata[MetadataKey] is not JsonObject nb) return new(cell, GradingRole.Plain, cell.Id, 0, null);
        bool Flag(string name) => nb[name] is JsonValue v && v.TryGetValue<bool>(out var b) && b;
        var id = nb["grade_id"] is JsonValue g && g.TryGetValue<string>(out var s) && s.Length > 0 ? s : cell.Id;
        var points = nb["points"] is JsonValue p && p.TryGetValue<double>(out var d) ? d : 0;
        var checksum = nb["checksum"] is JsonValue c && c.TryGetValue<string>(out var sum) ? sum : null;
        var role = Flag("solution") ? GradingRole.Solution
            : Flag("grade") ? GradingRole.Tests
            : Flag("locked") ? GradingRole.Locked
            : GradingRole.Plain;
        return new(cell, role, id, role == GradingRole.Tests ? points : 0, checksum);
    }

    public static IReadOnlyList<GradingCell> All(NotebookDocument notebook) => notebook.Cells.Select(Of).ToList();

    /// <summary>True when the notebook has anything to grade.</summary>
    public static bool IsGraded(NotebookDocument notebook) => All(notebook).Any(c => c.Role == GradingRole.Tests);

    /// <summary>Writes nbgrader metadata onto a cell (release marks every plain cell locked).</summary>
    public static void Write(NotebookCell cell, GradingRole role, string gradeId, double points, string? checksum)
    {
        var nb = new JsonObject
        {
            ["schema_version"] = SchemaVersion,
            ["grade"] = role == GradingRole.Tests,
            ["solution"] = role == GradingRole.Solution,
            ["locked"] = role is GradingRole.Tests or GradingRole.Locked or GradingRole.Plain,
            ["grade_id"] = gradeId,
            ["task"] = false,
        };
        if (role == GradingRole.Tests) nb["points"] = points;
        if (checksum is not null) nb["checksum"] = checksum;
        cell.Metadata[MetadataKey] = nb;
    }

    /// <summary>
    /// The fingerprint of a locked cell as released: SHA-256 of its type and its source with line
    /// endings and trailing spaces normalised, so an editor's re-save does not count as a change.
    /// </summary>
    public static string Fingerprint(NotebookCell cell)
    {
        var lines = cell.Source.Replace("\r\n", "\n").Split('\n').Select(l => l.TrimEnd());
        var text = cell.CellType + "\n" + string.Join("\n", lines).TrimEnd('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
