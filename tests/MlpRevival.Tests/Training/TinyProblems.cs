using MlpRevival.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlpRevival.Tests.Training;

/// <summary>Small learnable problems and small models, defined here so the trainer is tested on its own.</summary>
static class TinyProblems
{
    public static readonly string[] ThreeClasses = ["left", "middle", "right"];

    /// <summary>
    /// 8×8 noisy images; class c has a bright 3×3 square at column 0, 2 or 5 (in every channel) —
    /// learnable by a linear model, not by chance.
    /// </summary>
    public static ImageSet Squares(int perClass, int seed)
    {
        var random = new Random(seed);
        int n = perClass * 3;
        var bytes = new byte[n * 3 * 64];
        var labels = new long[n];
        for (int i = 0; i < n; i++)
        {
            int c = i % 3;
            labels[i] = c;
            int top = random.Next(0, 6), left = c switch { 0 => 0, 1 => 2, _ => 5 };
            for (int ch = 0; ch < 3; ch++)
                for (int y = 0; y < 8; y++)
                    for (int x = 0; x < 8; x++)
                    {
                        bool inSquare = y >= top && y < top + 3 && x >= left && x < left + 3;
                        bytes[((i * 3 + ch) * 8 + y) * 8 + x] = (byte)(inSquare ? 200 + random.Next(56) : random.Next(90));
                    }
        }
        return new ImageSet(torch.tensor(bytes, [n, 3, 8, 8], ScalarType.Byte), torch.tensor(labels), ThreeClasses, $"squares({perClass}, {seed})");
    }

    /// <summary>Flatten → Linear → ReLU → Dropout → Linear, initialised from <paramref name="seed"/>.</summary>
    public static Mlp MakeMlp(int seed, int inputs = 192, int hidden = 32, int classes = 3, double dropout = 0.2)
    {
        torch.manual_seed(seed);
        return new Mlp(inputs, hidden, classes, dropout);
    }

    public sealed class Mlp : nn.Module<Tensor, Tensor>
    {
        readonly Linear fc1;
        readonly Dropout drop;
        readonly Linear fc2;

        public Mlp(int inputs, int hidden, int classes, double dropout) : base("tiny-mlp")
        {
            fc1 = nn.Linear(inputs, hidden);
            drop = nn.Dropout(dropout);
            fc2 = nn.Linear(hidden, classes);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = torch.NewDisposeScope();
            return fc2.forward(drop.forward(nn.functional.relu(fc1.forward(x.flatten(1))))).MoveToOuterDisposeScope();
        }
    }

    /// <summary>A model that starts returning NaN after <paramref name="healthySteps"/> training forwards.</summary>
    public sealed class NaNAfter : nn.Module<Tensor, Tensor>
    {
        readonly nn.Module<Tensor, Tensor> inner;
        readonly int healthySteps;
        int calls;

        public NaNAfter(nn.Module<Tensor, Tensor> inner, int healthySteps) : base("nan-after")
        {
            this.inner = inner;
            this.healthySteps = healthySteps;
            register_module("inner", inner);
        }

        public override Tensor forward(Tensor x)
        {
            var y = inner.forward(x);
            if (training && ++calls > healthySteps) return y * double.NaN;
            return y;
        }
    }
}
