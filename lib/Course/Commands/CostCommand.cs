using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using MlpRevival;
using MlpRevival.Models;
using Spectre.Console;

namespace MlpRevival.Cli.Commands;

/// <summary>
/// course cost &lt;config&gt; [--resolution N] [--classes K] [--json] [--detail] | --list:
/// closed-form parameters and MACs of a named model, per stage and in total (nothing is built).
/// </summary>
static class CostCommand
{
    public static Command Create()
    {
        var config = new Argument<string?>("config")
        {
            Description = "A model config name (see --list), e.g. mixer-b16 or gmlp-cifar.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var resolution = new Option<int?>("--resolution", "-r") { Description = "Input resolution N (an N×N image); default: the config's own." };
        var classes = new Option<int?>("--classes", "-k") { Description = "Number of classes K; default: the config's own." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (params, macs, rows) instead of a table." };
        var detail = new Option<bool>("--detail") { Description = "List every layer inside each stage (token-mixing fc1, SGU, …)." };
        var list = new Option<bool>("--list") { Description = "List the named configs with one-line descriptions." };

        var command = new Command("cost", "Parameters and multiply-accumulates of a model, per layer and in total (closed form).");
        command.Arguments.Add(config);
        command.Options.Add(resolution);
        command.Options.Add(classes);
        command.Options.Add(json);
        command.Options.Add(detail);
        command.Options.Add(list);
        command.SetAction(parse =>
        {
            if (parse.GetValue(list)) return List(parse.GetValue(json));
            var name = parse.GetValue(config);
            if (string.IsNullOrWhiteSpace(name))
            {
                Console.Error.WriteLine("course cost: name a config (e.g. `course cost mixer-b16`), or use --list to see them.");
                return 2;
            }
            CostReport report;
            string canonical;
            try
            {
                var entry = ModelZoo.Entry(name);
                canonical = entry.Name;
                report = Cost.Of(entry.Config.At(parse.GetValue(resolution) ?? entry.Config.ImageSize, parse.GetValue(classes) ?? entry.Config.Classes));
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"course cost: {e.Message}");
                return 2;
            }
            if (parse.GetValue(json)) Console.WriteLine(Json(canonical, report));
            else Table(canonical, report, parse.GetValue(detail));
            return 0;
        });
        return command;
    }

    static int List(bool asJson)
    {
        if (asJson)
        {
            var items = ModelZoo.Entries.Select(e => new
            {
                name = e.Name,
                family = e.Config.Family,
                resolution = e.Config.ImageSize,
                classes = e.Config.Classes,
                description = e.Description,
            });
            Console.WriteLine(JsonSerializer.Serialize(items, JsonOptions));
            return 0;
        }
        var table = new Table().Border(TableBorder.Rounded).AddColumns("Config", "Input", "Params", "MACs", "Description");
        foreach (var column in new[] { 2, 3 }) table.Columns[column].RightAligned().NoWrap();
        table.Columns[0].NoWrap();
        table.Columns[1].NoWrap();
        foreach (var e in ModelZoo.Entries)
        {
            var report = Cost.Of(e.Config);
            table.AddRow(Markup.Escape(e.Name), $"{e.Config.ImageSize}², {e.Config.Classes}",
                Cost.Human(report.Params), Cost.Human(report.Macs), Markup.Escape(e.Description));
        }
        table.Caption("Input: resolution², classes. MACs per image; details: course cost <config>.");
        AnsiConsole.Write(table);
        return 0;
    }

    static void Table(string name, CostReport report, bool detail)
    {
        var config = report.Config;
        var table = new Table().Border(TableBorder.Rounded)
            .Title(Markup.Escape($"{name} — {config.Family}, {config.ImageSize}×{config.ImageSize}×3, {config.Classes} classes"))
            .AddColumns("Layer", "Output", "Params", "MACs");
        table.Columns[2].RightAligned();
        table.Columns[3].RightAligned();
        foreach (var row in report.Rows)
        {
            table.AddRow(Markup.Escape(row.Layer), row.Shape, Number(row.Params), Number(row.Macs));
            if (!detail || row.Parts.Count == 0) continue;
            foreach (var leaf in row.Parts.SelectMany(p => p.Leaves()))
                table.AddRow(Markup.Escape("   " + leaf.Layer), $"[grey]{leaf.Shape}[/]", $"[grey]{Number(leaf.Params)}[/]", $"[grey]{Number(leaf.Macs)}[/]");
        }
        table.AddEmptyRow();
        table.AddRow("[bold]total[/]", "", $"[bold]{Number(report.Params)}[/]", $"[bold]{Number(report.Macs)}[/]");
        table.Caption(Markup.Escape("MACs per image: Linear, Conv2d, SGU spatial projection, attention QKᵀ/AV; " +
            "bias adds, norms, activations, pooling not counted (--json has the full convention)."));
        AnsiConsole.Write(table);
    }

    /// <summary>"59,880,472 (59.88 M)"; small numbers stay exact only.</summary>
    static string Number(long value)
    {
        var exact = value.ToString("N0", CultureInfo.InvariantCulture);
        var human = Cost.Human(value);
        return human == exact ? exact : $"{exact} ({human})";
    }

    static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    internal static string Json(string name, CostReport report) => JsonSerializer.Serialize(new
    {
        config = name,
        family = report.Config.Family,
        resolution = report.Config.ImageSize,
        classes = report.Config.Classes,
        @params = report.Params,
        macs = report.Macs,
        convention = Cost.Convention,
        rows = report.Rows.Select(r => new
        {
            layer = r.Layer,
            output = r.OutputShape,
            @params = r.Params,
            macs = r.Macs,
            parts = r.Parts.SelectMany(p => p.Leaves()).Select(l => new { layer = l.Layer, output = l.OutputShape, @params = l.Params, macs = l.Macs }),
        }),
    }, JsonOptions);
}
