using System.Text;
using System.Text.RegularExpressions;

namespace MlpRevival.Grading;

/// <summary>A graded notebook that cannot be released or graded as written.</summary>
public sealed class GradingFormatException(string message) : Exception(message);

/// <summary>
/// nbgrader's region markers, in C# comments:
/// <code>
/// // BEGIN SOLUTION            // BEGIN HIDDEN TESTS
/// ...the answer...             ...tests students do not see...
/// // END SOLUTION              // END HIDDEN TESTS
/// </code>
/// Lines inside a solution region that start with <c>// Hint:</c> stay in the student version,
/// above the stub that replaces the answer.
/// </summary>
public static partial class Regions
{
    public const string BeginSolution = "BEGIN SOLUTION";
    public const string EndSolution = "END SOLUTION";
    public const string BeginHidden = "BEGIN HIDDEN TESTS";
    public const string EndHidden = "END HIDDEN TESTS";

    /// <summary>The student version of a solution cell: each solution region becomes its hints plus a throwing stub.</summary>
    public static string StubSolutions(string source, string gradeId, string where)
    {
        var output = new StringBuilder();
        var lines = Split(source);
        int regions = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            if (!IsMarker(lines[i], BeginSolution))
            {
                if (IsMarker(lines[i], EndSolution))
                    throw new GradingFormatException($"{where}, line {i + 1}: // {EndSolution} without a // {BeginSolution} above it.");
                output.Append(lines[i]).Append('\n');
                continue;
            }
            int end = FindEnd(lines, i, BeginSolution, EndSolution, where);
            var indent = lines[i][..(lines[i].Length - lines[i].TrimStart().Length)];
            for (int j = i + 1; j < end; j++)
                if (HintLine().IsMatch(lines[j])) output.Append(indent).Append(lines[j].Trim()).Append('\n');
            output.Append(indent).Append(Stub(gradeId)).Append('\n');
            regions++;
            i = end;
        }
        if (regions == 0)
            throw new GradingFormatException($"{where}: a solution cell needs a // {BeginSolution} … // {EndSolution} region around the answer.");
        return Join(output);
    }

    /// <summary>The statement that replaces an answer in the student version.</summary>
    public static string Stub(string gradeId) =>
        $"throw new NotImplementedException(\"Exercise {gradeId}: replace this line with your solution.\");";

    /// <summary>The cell without its hidden tests (the version students see).</summary>
    public static string RemoveHiddenTests(string source, string where)
    {
        var output = new StringBuilder();
        var lines = Split(source);
        for (int i = 0; i < lines.Length; i++)
        {
            if (IsMarker(lines[i], BeginHidden)) { i = FindEnd(lines, i, BeginHidden, EndHidden, where); continue; }
            if (IsMarker(lines[i], EndHidden))
                throw new GradingFormatException($"{where}, line {i + 1}: // {EndHidden} without a // {BeginHidden} above it.");
            output.Append(lines[i]).Append('\n');
        }
        return Join(output);
    }

    /// <summary>The hidden test lines of a cell (for scrubbing them out of feedback).</summary>
    public static IReadOnlyList<string> HiddenTestLines(string source)
    {
        var hidden = new List<string>();
        var lines = Split(source);
        for (int i = 0; i < lines.Length; i++)
        {
            if (!IsMarker(lines[i], BeginHidden)) continue;
            int end = FindEnd(lines, i, BeginHidden, EndHidden, "hidden tests");
            for (int j = i + 1; j < end; j++) hidden.Add(lines[j]);
            i = end;
        }
        return hidden;
    }

    public static bool HasMarker(string source, string marker) => Split(source).Any(l => IsMarker(l, marker));

    static bool IsMarker(string line, string marker)
    {
        var t = line.Trim();
        return t.StartsWith("//", StringComparison.Ordinal) && t[2..].Trim() == marker;
    }

    static int FindEnd(string[] lines, int begin, string open, string close, string where)
    {
        for (int j = begin + 1; j < lines.Length; j++)
        {
            if (IsMarker(lines[j], close)) return j;
            if (IsMarker(lines[j], open))
                throw new GradingFormatException($"{where}, line {j + 1}: // {open} inside another {open.ToLowerInvariant()} region (line {begin + 1}).");
        }
        throw new GradingFormatException($"{where}, line {begin + 1}: // {open} has no // {close}.");
    }

    static string[] Split(string source) => source.Replace("\r\n", "\n").Split('\n');

    static string Join(StringBuilder output) => output.Length == 0 ? "" : output.ToString()[..^1];

    [GeneratedRegex(@"^\s*//\s*Hint:", RegexOptions.IgnoreCase)]
    private static partial Regex HintLine();
}
