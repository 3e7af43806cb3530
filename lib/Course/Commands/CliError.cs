using Spectre.Console;

namespace MlpRevival.Cli.Commands;

/// <summary>
/// An error message as one line. On a terminal it is red (Spectre wraps it at the window's width, as
/// the terminal would); redirected (logs, CI, tests) it is written as it is, one line whatever its
/// length, instead of being cut at Spectre's assumed 160 columns.
/// </summary>
static class CliError
{
    public static void Write(string message)
    {
        var line = message.ReplaceLineEndings(" ");
        if (Console.IsOutputRedirected) Console.Out.WriteLine(line);
        else AnsiConsole.MarkupLine($"[red]{Markup.Escape(line)}[/]");
    }
}
