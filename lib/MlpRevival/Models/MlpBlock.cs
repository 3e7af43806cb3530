using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlpRevival.Models;

/// <summary>
/// The two-matrix MLP of the Mixer paper's eq. 1 and of every Transformer block: fc1 → GELU → fc2,
/// acting on the last axis. Mixer uses it along tokens (width D_S) and along channels (width D_C), ViT
/// and ResMLP per token. Same as timm's <c>Mlp</c>; its weights are set by the family's init.
/// </summary>
public sealed class MlpBlock : nn.Module<Tensor, Tensor>
{
    readonly Linear fc1;
    readonly GELU act;
    readonly Linear fc2;

    public MlpBlock(long dim, long hidden, string name = "mlp") : base(name)
    {
        fc1 = nn.Linear(dim, hidden);
        act = nn.GELU();
        fc2 = nn.Linear(hidden, dim);
        RegisterComponents();
    }

    /// <summary>The first matrix, [hidden, dim].</summary>
    public Linear Fc1 => fc1;

    /// <summary>The second matrix, [dim, hidden].</summary>
    public Linear Fc2 => fc2;

    public override Tensor forward(Tensor x)
    {
        using var h = fc1.forward(x);
        using var a = act.forward(h);
        return fc2.forward(a);
    }
}
