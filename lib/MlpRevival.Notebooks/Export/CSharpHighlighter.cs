using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace MlpRevival.Notebooks.Export;

/// <summary>
/// Minimal C# syntax colouring for exported pages: comments, strings, directives, keywords, numbers.
/// Hand-rolled because the page must work offline and no highlighter is in our package feed; it
/// only adds spans around tokens, never changes the text.
/// </summary>
static partial class CSharpHighlighter
{
    static readonly HashSet<string> Keywords =
    [
        "abstract", "as", "async", "await", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class",
        "const", "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit",
        "extern", "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "init", "int",
        "interface", "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out",
        "override", "params", "private", "protected", "public", "readonly", "record", "ref", "return", "sbyte",
        "sealed", "short", "sizeof", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof",
        "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "var", "virtual", "void", "volatile", "while",
        "with", "yield", "when", "and", "or", "not", "nameof",
    ];

    public static string Highlight(string code)
    {
        var html = new StringBuilder();
        int last = 0;
        foreach (Match m in Token().Matches(code))
        {
            html.Append(WebUtility.HtmlEncode(code[last..m.Index]));
            var text = WebUtility.HtmlEncode(m.Value);
            var css = m.Groups["comment"].Success ? "c"
                : m.Groups["string"].Success ? "s"
                : m.Groups["directive"].Success ? "d"
                : m.Groups["number"].Success ? "n"
                : Keywords.Contains(m.Value) ? "k" : null;
            html.Append(css is null ? text : $"<span class=\"{css}\">{text}</span>");
            last = m.Index + m.Length;
        }
        html.Append(WebUtility.HtmlEncode(code[last..]));
        return html.ToString();
    }

    [GeneratedRegex("""
        (?<comment>//[^\n]*|/\*[\s\S]*?\*/)
        |(?<string>\$?@?"(?:[^"\\\n]|\\.|"")*"|'(?:[^'\\\n]|\\.)')
        |(?<directive>^[ \t]*\#[!a-z]+[^\n]*)
        |(?<number>\b\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?[fFdDmMlL]?\b)
        |(?<word>\b[A-Za-z_]\w*\b)
        """, RegexOptions.IgnorePatternWhitespace | RegexOptions.Multiline)]
    private static partial Regex Token();
}
