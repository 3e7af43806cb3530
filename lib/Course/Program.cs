using System.CommandLine;
using MlpRevival.Cli.Commands;

// Redirected output (logs, CI, tests) has no terminal width; Spectre then assumes 80 columns and
// wraps long lines (paths) mid-sentence. Give it room once, for every command.
if (Console.IsOutputRedirected && Spectre.Console.AnsiConsole.Profile.Width < 160) Spectre.Console.AnsiConsole.Profile.Width = 160;
var root = new RootCommand("MLP Revival course tool: run notebooks, compute costs, manage data, train and benchmark models.");
foreach (var command in CommandCatalog.All()) root.Subcommands.Add(command);
return await root.Parse(args).InvokeAsync();
