using System.Globalization;
using System.Net;
using System.Text;
using MlpRevival.Notebooks.Export;
using MlpRevival.Notebooks.Format;

namespace MlpRevival.Grading;

/// <summary>
/// What `course grade` writes, all from memory after every submission has run:
/// <c>grades.json</c> (everything), <c>gradebook.csv</c> (one row per student, one column per
/// test), <c>summary.html</c>, and per student <c>&lt;student&gt;/report.json</c> plus the feedback
/// notebooks (<c>.ipynb</c>, executed, and <c>.html</c>).
/// </summary>
public static class GradeFiles
{
    public static void Write(string folder, GradeReport report, IReadOnlyDictionary<(string Student, string Notebook), NotebookDocument> feedback)
    {
        Directory.CreateDirectory(folder);
        foreach (var student in report.Students)
        {
            var dir = Path.Combine(folder, Grader.SafeName(student.Student));
            Directory.CreateDirectory(dir);
            WriteText(Path.Combine(dir, "report.json"), System.Text.Json.JsonSerializer.Serialize(student, GradeReport.Json));
            foreach (var notebook in student.Notebooks)
            {
                if (!feedback.TryGetValue((student.Student, notebook.Notebook), out var executed)) continue;
                var path = Path.Combine(dir, notebook.Notebook);
                executed.Save(path);
                WriteText(Path.ChangeExtension(path, ".html"), HtmlExporter.Export(executed));
            }
        }
        WriteText(Path.Combine(folder, "grades.json"), report.ToJson());
        WriteText(Path.Combine(folder, "gradebook.csv"), Csv(report));
        WriteText(Path.Combine(folder, "summary.html"), Summary(report));
    }

    /// <summary>The gradebook: student, one column per test (points), total, max, and the reasons.</summary>
    public static string Csv(GradeReport report)
    {
        var csv = new StringBuilder();
        csv.AppendJoin(',', new[] { "student" }.Concat(report.Columns).Concat(["total", "max", "notes"]).Select(Quote)).Append('\n');
        foreach (var student in report.Students)
        {
            var cells = new List<string> { student.Student };
            foreach (var column in report.Columns)
            {
                var (notebook, gradeId) = Split(column);
                var test = student.Notebooks.FirstOrDefault(n => Path.GetFileNameWithoutExtension(n.Notebook) == notebook)?
                    .Tests.FirstOrDefault(t => t.GradeId == gradeId);
                cells.Add(Number(test?.Points ?? 0));
            }
            cells.Add(Number(student.Score));
            cells.Add(Number(student.MaxScore));
            cells.Add(string.Join("; ", student.Reasons));
            csv.AppendJoin(',', cells.Select(Quote)).Append('\n');
        }
        return csv.ToString();
    }

    static string Summary(GradeReport report)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Grades</title><style>")
            .Append("body{font:14px/1.5 system-ui,sans-serif;margin:24px}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:3px 8px}")
            .Append("td.passed{background:#dafbe1}td.failed,td.compromised{background:#ffebe9}td.not-run{background:#eee}td.num{text-align:right}")
            .Append("ul{margin:0;padding-left:18px;font-size:12px;color:#555}</style></head><body>");
        html.Append($"<h1>Grades</h1><p>Graded {report.GradedAt:yyyy-MM-dd HH:mm} UTC · sandbox: {Encode(report.Sandbox)}</p>");
        html.Append("<table><thead><tr><th>student</th>");
        foreach (var c in report.Columns) html.Append($"<th>{Encode(c)}</th>");
        html.Append("<th>total</th><th>notes</th></tr></thead><tbody>");
        foreach (var student in report.Students)
        {
            html.Append($"<tr><td>{Encode(student.Student)}</td>");
            foreach (var column in report.Columns)
            {
                var (notebook, gradeId) = Split(column);
                var nb = student.Notebooks.FirstOrDefault(n => Path.GetFileNameWithoutExtension(n.Notebook) == notebook);
                var test = nb?.Tests.FirstOrDefault(t => t.GradeId == gradeId);
                var css = (test?.Status ?? TestScore.NotRun).Replace(' ', '-');
                var link = nb?.Feedback is { } f ? $"<a href=\"{Encode(Path.ChangeExtension(f, ".html"))}\">{Number(test?.Points ?? 0)}</a>" : Number(test?.Points ?? 0);
                html.Append($"<td class=\"num {css}\" title=\"{Encode(test?.Message ?? test?.Status ?? "")}\">{link}</td>");
            }
            html.Append($"<td class=\"num\">{Number(student.Score)} / {Number(student.MaxScore)}</td><td><ul>");
            foreach (var reason in student.Reasons) html.Append($"<li>{Encode(reason)}</li>");
            html.Append("</ul></td></tr>");
        }
        html.Append("</tbody></table></body></html>\n");
        return html.ToString();
    }

    static (string Notebook, string GradeId) Split(string column)
    {
        var slash = column.IndexOf('/');
        return (column[..slash], column[(slash + 1)..]);
    }

    static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) < 0 ? field : "\"" + field.Replace("\"", "\"\"") + "\"";

    static string Encode(string text) => WebUtility.HtmlEncode(text);

    static void WriteText(string path, string text)
    {
        var temp = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(temp, text, new UTF8Encoding(false));
        File.Move(temp, path, overwrite: true);
    }
}
