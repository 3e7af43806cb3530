namespace MlpRevival.Notebooks.Execution;

/// <summary>
/// The kernel's magic commands and directives (#!time, #!csharp, #r "nuget: …", #i …) are not C#.
/// To read a cell's C# with Roslyn (parameters, submission checks), their lines are blanked — not
/// removed, so line numbers still match the cell. The kernel itself runs cells as they are.
/// </summary>
public static class MagicCommands
{
    public static string Blank(string source)
    {
        var lines = source.Replace("\r\n", "\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var trimmed = lines[i].TrimStart();
            if (trimmed.StartsWith("#!", StringComparison.Ordinal) || trimmed.StartsWith("#i ", StringComparison.Ordinal) ||
                trimmed.StartsWith("#r \"nuget:", StringComparison.OrdinalIgnoreCase))
                lines[i] = "";
        }
        return string.Join("\n", lines);
    }
}
