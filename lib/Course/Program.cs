using System.CommandLine;
using MlpRevival.Cli.Commands;

var root = new RootCommand("MLP Revival course tool: run notebooks, compute costs, manage data, train and benchmark models.");
foreach (var command in CommandCatalog.All()) root.Subcommands.Add(command);
return await root.Parse(args).InvokeAsync();
