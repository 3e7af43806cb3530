using System.CommandLine;
using Spectre.Console;

namespace MlpRevival.Cli.Commands;

/// <summary>course env: what this machine runs the course on.</summary>
static class EnvCommand
{
    public static Command Create()
    {
        var command = new Command("env", "Show versions, device and threads (what notebook 00-setup reports).");
        command.SetAction(_ =>
        {
            var report = EnvironmentReport.Capture();
            var table = new Table().AddColumns("Item", "Value").Border(TableBorder.Rounded);
            foreach (var (name, value) in report.Rows()) table.AddRow(Markup.Escape(name), Markup.Escape(value));
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }
}
