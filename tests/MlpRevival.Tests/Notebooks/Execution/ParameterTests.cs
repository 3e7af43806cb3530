using MlpRevival.Notebooks.Execution;
using static MlpRevival.Tests.Notebooks.TestNotebooks;

namespace MlpRevival.Tests.Notebooks.Execution;

/// <summary>Papermill-style parameters: an injected-parameters cell right after the parameters cell.</summary>
public class ParameterTests
{
    static readonly Cell ParametersCell = Code("""
        // profile quick: epochs = 1; name = "tiny"; rate = 0.5;
        var epochs = 10;
        var rate = 0.001;
        var big = 3_000_000_000L;
        var useGpu = false;
        var name = "full";
        """, "parameters");

    static readonly Cell Report = Code("$\"{epochs}|{rate}|{big}|{useGpu}|{name}|{epochs.GetType().Name}|{rate.GetType().Name}\"");

    [Fact]
    public async Task Values_are_injected_after_the_parameters_cell_and_typed_like_their_defaults()
    {
        var options = new RunOptions { Kernel = TestKernel.Layout, Parameters = new Dictionary<string, string> { ["epochs"] = "3", ["rate"] = "2", ["useGpu"] = "true", ["name"] = "a \"quoted\" value", ["big"] = "5" } };
        var (nb, result) = await RunAsync([Markdown("# p"), ParametersCell, Report], options);
        Assert.True(result.Succeeded, result.Describe());
        Assert.Equal(4, nb.Cells.Count);
        var injected = nb.Cells[2];
        Assert.Contains(Parameters.InjectedTag, injected.Tags);
        Assert.Contains("var rate = 2.0;", injected.Source);     // a double default stays a double
        Assert.Contains("var big = 5L;", injected.Source);
        Assert.Equal("3|2|5|True|a \"quoted\" value|Int32|Double", nb.Outputs(3)[0].Text());
    }

    [Fact]
    public async Task A_profile_applies_its_values_and_explicit_values_win()
    {
        var options = new RunOptions { Kernel = TestKernel.Layout, Profile = "quick", Parameters = new Dictionary<string, string> { ["name"] = "explicit" } };
        var (nb, result) = await RunAsync([ParametersCell, Report], options);
        Assert.True(result.Succeeded, result.Describe());
        Assert.Equal("1|0.5|3000000000|False|explicit|Int32|Double", nb.Outputs(2)[0].Text());
        Assert.Contains("profile: quick", nb.Cells[1].Source);
    }

    [Fact]
    public async Task Without_parameters_nothing_is_injected()
    {
        var (nb, _) = await RunAsync([ParametersCell, Report]);
        Assert.Equal(2, nb.Cells.Count);
        Assert.Equal("10|0.001|3000000000|False|full|Int32|Double", nb.Outputs(1)[0].Text());
    }

    [Theory]
    [InlineData("epochs", "ten", "'ten' is not an int")]
    [InlineData("useGpu", "maybe", "'maybe' is not a bool")]
    [InlineData("epocs", "1", "Parameter 'epocs' is not declared")]
    public async Task Bad_values_are_clear_errors_and_nothing_runs(string name, string value, string message)
    {
        var options = new RunOptions { Kernel = TestKernel.Layout, Parameters = new Dictionary<string, string> { [name] = value } };
        var (nb, result) = await RunAsync([ParametersCell, Report], options);
        Assert.Equal(FailureKind.Parameters, result.Failure?.Kind);
        Assert.Contains(message, result.Failure!.Message);
        Assert.Equal(0, result.CodeCellsRun);
        Assert.Empty(nb.Outputs(1));
    }

    [Fact]
    public async Task An_unknown_profile_lists_the_known_ones()
    {
        var (_, result) = await RunAsync([ParametersCell], new RunOptions { Kernel = TestKernel.Layout, Profile = "huge" });
        Assert.Contains("This notebook has: quick", result.Failure!.Message);
    }

    [Fact]
    public async Task Parameters_for_a_notebook_without_a_parameters_cell_are_refused()
    {
        var (_, result) = await RunAsync([Code("1")], new RunOptions { Kernel = TestKernel.Layout, Parameters = new Dictionary<string, string> { ["x"] = "1" } });
        Assert.Equal(FailureKind.Parameters, result.Failure?.Kind);
        Assert.Contains("tagged 'parameters'", result.Failure!.Message);
    }

    [Fact]
    public async Task A_failure_after_the_injected_cell_is_numbered_as_in_the_source_notebook()
    {
        var options = new RunOptions { Kernel = TestKernel.Layout, Parameters = new Dictionary<string, string> { ["epochs"] = "1" } };
        var (_, result) = await RunAsync([ParametersCell, Code("1"), Code("throw new Exception(\"x\");")], options);
        Assert.Equal(3, result.Failure!.CellNumber);
    }
}
