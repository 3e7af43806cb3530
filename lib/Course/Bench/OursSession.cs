using System.Diagnostics;
using MlpRevival.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Cli.Bench;

/// <summary>
/// Our side of one bench row: a course model (ModelZoo.Build) on the CPU in training mode, AdamW
/// with the same settings as the PyTorch side, and one fixed random batch. A window is
/// <c>steps</c> training steps — zero_grad, forward, cross-entropy, backward, AdamW step — timed
/// as a whole, as the Trainer runs them (a dispose scope per step).
/// </summary>
sealed class OursSession : IDisposable
{
    readonly nn.Module<Tensor, Tensor> model;
    readonly optim.Optimizer optimizer;
    readonly Tensor images;
    readonly Tensor labels;

    public OursSession(ModelConfig config, int batch, double learningRate, double weightDecay, long seed = 0)
    {
        model = ModelZoo.Build(config, seed, CPU);
        model.train();
        // Weight decay passed explicitly: TorchSharp's AdamW defaults to 0 (PyTorch's to 0.01).
        optimizer = optim.AdamW(model.parameters(), learningRate, weight_decay: weightDecay);
        using var generator = new Generator(unchecked((ulong)seed) + 1, CPU);
        images = randn([batch, ModelConfig.InChannels, config.ImageSize, config.ImageSize], generator: generator);
        labels = randint(0, config.Classes, [batch], generator: generator);
        Params = model.parameters().Sum(p => p.numel());
    }

    public long Params { get; }

    /// <summary>The loss of the last step (finite if training works at all).</summary>
    public float LastLoss { get; private set; } = float.NaN;

    /// <summary>Runs <paramref name="steps"/> training steps; the seconds they took.</summary>
    public double Window(int steps)
    {
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(model.forward(images), labels);
            loss.backward();
            optimizer.step();
            if (i == steps - 1) LastLoss = loss.item<float>();
        }
        return clock.Elapsed.TotalSeconds;
    }

    public void Dispose()
    {
        images.Dispose();
        labels.Dispose();
        optimizer.Dispose();
        model.Dispose();
    }
}
