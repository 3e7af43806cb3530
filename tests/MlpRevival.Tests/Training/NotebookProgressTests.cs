using MlpRevival.Training;
using static MlpRevival.Tests.Notebooks.TestNotebooks;

namespace MlpRevival.Tests.Training;

/// <summary>In a notebook, training progress is one output replaced in place, not a line per step.</summary>
public class NotebookProgressTests
{
    [Fact]
    public async Task A_training_run_in_a_notebook_cell_updates_exactly_one_output()
    {
        var sample = Repo.Path_("datasets", "cifar-10-sample");
        var (nb, result) = await RunAsync(
        [
            Code($$"""
                {{TestKernel.LibraryReference}}
                using MlpRevival.Data;
                using MlpRevival.Training;
                using TorchSharp;
                var train = Cifar10.LoadTrain(@"{{sample}}").Subset(8, seed: 0);
                var test = Cifar10.LoadTest(@"{{sample}}").Subset(4, seed: 0);
                TorchSharp.torch.manual_seed(0);
                """),
            // The default progress (TrainingProgress.Auto): a notebook display.
            Code("""
                var run = Trainer.Fit(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3072, 10)), train, test,
                    new TrainConfig { Name = "linear", Epochs = 3, BatchSize = 8, Device = "cpu" });
                """),
            // A display redrawn at every step: still one output.
            Code("""
                var progress = new NotebookProgress(updatesPerSecond: 1e6);
                var again = Trainer.Fit(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3072, 10)), train, null,
                    new TrainConfig { Name = "every-step", Epochs = 2, BatchSize = 8, Device = "cpu" }, progress: progress);
                """),
            Code("$\"{run.Epochs.Count} {again.Steps} {progress.Redraws}\""),
            Code("run"),
            Code("run.Test"),
        ]);
        Assert.True(result.Succeeded, result.Describe());

        var first = nb.Outputs(1);
        var shown = Assert.Single(first);                                 // no stream lines, no second display
        Assert.Equal("display_data", shown.Type());
        var html = shown.Text("text/html");
        Assert.Contains("mlpr-progress", html);
        Assert.Contains("Done: 3 epochs", html);                           // the final update replaced the live one
        Assert.Equal(3, html.Split("<tr>").Length - 2);                    // header row + 3 epoch rows

        Assert.Single(nb.Outputs(2));
        var counts = Assert.Single(nb.Outputs(3)).Text().Split(' ').Select(int.Parse).ToArray();
        Assert.Equal(3, counts[0]);
        Assert.Equal(20, counts[1]);                                       // 80 images / 8 × 2 epochs
        Assert.True(counts[2] >= 20, $"{counts[2]} redraws for 20 steps");

        // A result displays as its message and history table, an evaluation as its top-k and per-class tables.
        var runHtml = Assert.Single(nb.Outputs(4)).Text("text/html");
        Assert.Contains("Done: 3 epochs", runHtml);
        Assert.Contains("train_loss", runHtml);
        Assert.DoesNotContain("StepLosses", runHtml);
        var evalHtml = Assert.Single(nb.Outputs(5)).Text("text/html");
        Assert.Contains("top-5", evalHtml);
        Assert.Contains("airplane", evalHtml);
    }
}
