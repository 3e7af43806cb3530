using System.CommandLine;

namespace MlpRevival.Cli.Commands;

/// <summary>Every subcommand of `course`, in the order `course --help` lists them.</summary>
static class CommandCatalog
{
    public static IEnumerable<Command> All() =>
    [
        RunCommand.Create(),
        KernelCommand.Create(),
        EnvCommand.Create(),
        CostCommand.Create(),
        DataCommand.Create(),
        TrainCommand.Create(),
        BenchCommand.Create(),
        GradingCommands.Release(),
        GradingCommands.Grade(),
    ];
}
