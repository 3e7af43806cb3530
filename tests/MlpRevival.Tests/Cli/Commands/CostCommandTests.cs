using System.Text.Json;
using MlpRevival.Models;

namespace MlpRevival.Tests.Cli.Commands;

/// <summary>`course cost` end to end, in a child process, as a user runs it.</summary>
public class CostCommandTests
{
    [Fact]
    public async Task List_shows_every_config()
    {
        var run = await CourseProcess.RunAsync(["cost", "--list", "--json"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var names = JsonDocument.Parse(run.Stdout).RootElement.EnumerateArray().Select(e => e.GetProperty("name").GetString()!).ToList();
        Assert.Equal(ModelZoo.Names, names);

        var table = await CourseProcess.RunAsync(["cost", "--list"]);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("mixer-h14", table.Stdout);
        Assert.Contains("gmlp-seed-cifar", table.Stdout);
    }

    [Fact]
    public async Task A_table_with_per_layer_rows_and_totals_with_separators_and_units()
    {
        var run = await CourseProcess.RunAsync(["cost", "mixer-b16"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("layer 12", run.Stdout);
        Assert.Contains("59,880,472 (59.88 M)", run.Stdout);      // timm's mixer_b16_224, exactly
        Assert.Contains("(12.60 G)", run.Stdout);
    }

    [Fact]
    public async Task Json_is_one_object_with_integer_params_and_macs()
    {
        var run = await CourseProcess.RunAsync(["cost", "gmlp-seed-cifar", "--json"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var root = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal(4_979_360, root.GetProperty("params").GetInt64());   // the seed's PyTorch model (ReferenceNumbers)
        Assert.Equal("gmlp-seed-cifar", root.GetProperty("config").GetString());
        Assert.Equal(32, root.GetProperty("resolution").GetInt32());
        Assert.Equal(10, root.GetProperty("classes").GetInt32());
        var rows = root.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(root.GetProperty("macs").GetInt64(), rows.Sum(r => r.GetProperty("macs").GetInt64()));
        Assert.Equal("patch_embed", rows[0].GetProperty("layer").GetString());
    }

    [Fact]
    public async Task Resolution_and_classes_retarget_the_config()
    {
        var run = await CourseProcess.RunAsync(["cost", "mixer-cifar", "--resolution", "64", "--classes", "100", "--json"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var root = JsonDocument.Parse(run.Stdout).RootElement;
        var expected = Cost.Of(ModelZoo.Get("mixer-cifar").At(64, 100));
        Assert.Equal(expected.Params, root.GetProperty("params").GetInt64());
        Assert.Equal(expected.Macs, root.GetProperty("macs").GetInt64());
        Assert.Equal(64, root.GetProperty("resolution").GetInt32());
        Assert.Equal(100, root.GetProperty("classes").GetInt32());
    }

    [Fact]
    public async Task Unknown_configs_and_impossible_resolutions_exit_with_2_and_say_why()
    {
        var unknown = await CourseProcess.RunAsync(["cost", "mixer-xl"]);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("Unknown model config 'mixer-xl'", unknown.Stderr);
        Assert.Contains("mixer-b16", unknown.Stderr);

        var impossible = await CourseProcess.RunAsync(["cost", "mixer-b16", "--resolution", "200"]);
        Assert.Equal(2, impossible.ExitCode);
        Assert.Contains("not divisible by patch size 16", impossible.Stderr);

        var none = await CourseProcess.RunAsync(["cost"]);
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("--list", none.Stderr);
    }
}
