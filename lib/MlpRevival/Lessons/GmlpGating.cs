using MlpRevival.Models;
using MlpRevival.Plots;
using Plotly.NET;
using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Lessons;

/// <summary>
/// Helpers for notebook 04-gmlp-gating-cifar10: the gate at initialisation, order (in)sensitivity of
/// a block, what token mixing costs as the sequence grows, and where the learned spatial weights W of the gating
/// unit put their mass on the patch grid.
/// </summary>
public static class GmlpGating
{
    /// <summary>
    /// How far a gate is from the identity on random inputs: Z ~ N(0, 1) of shape [batch, n, d_ffn],
    /// f = W·LN(Z₂) + b and s(Z) = Z₁ ⊙ f. Returns the spread std(f − 1) measured, what the drawn W
    /// predicts for it (√(Σⱼ W[i, j]²), averaged over the rows i and heads: LN(Z₂) has unit variance per
    /// token), max |W| and max |s(Z) − Z₁|.
    /// </summary>
    public static (double MaxW, double FromW, double Measured, double MaxGap) GateAtInit(SpatialGatingUnit sgu, int batch = 8, long seed = 11)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(unchecked((ulong)seed), CPU);
        long n = sgu.SpatialProjection.Tokens, c = sgu.Norm.weight!.shape[0];
        var device = sgu.SpatialWeights.device;
        var z = randn(new long[] { batch, n, 2 * c }, generator: generator).to(device);
        using var _ = no_grad();
        var f = sgu.SpatialProjection.forward(sgu.Norm.forward(z.narrow(-1, c, c)));
        double gap = (sgu.forward(z) - z.narrow(-1, 0, c)).abs().max().item<float>();
        var w = sgu.SpatialWeights.detach().cpu().to(ScalarType.Float64);
        return (w.abs().max().item<double>(), Math.Sqrt(w.pow(2).sum(-1).mean().item<double>()),
                (f - 1).to(ScalarType.Float64).std().item<double>(), gap);
    }

    /// <summary>
    /// max |block(P·x) − P·block(x)| for a random token permutation P and random x [2, n, d]: zero
    /// for a network that treats every token on its own (and the same way), large once tokens mix.
    /// </summary>
    public static double PermutationGap(nn.Module<Tensor, Tensor> block, long tokens, long dim, long seed = 7)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(unchecked((ulong)seed), CPU);
        var x = randn(new long[] { 2, tokens, dim }, generator: generator);
        var order = randperm(tokens, generator: generator);
        using var _ = no_grad();
        return (block.forward(x.index_select(1, order)) - block.forward(x).index_select(1, order)).abs().max().item<float>();
    }

    /// <summary>
    /// One token-mixing layer at n tokens, three ways: Mixer's token MLP (n → D_S → n, shared by
    /// its C channels), gMLP's spatial projection (n×n per head, applied to each gate channel) and
    /// self-attention of width d (q, k, v and output projections, QKᵀ and AV).
    /// </summary>
    public sealed record TokenMixingCost(long Tokens, CostRow MixerTokenMlp, CostRow GmlpSpatial, CostRow Attention);

    /// <summary>
    /// <see cref="TokenMixingCost"/> for each n, with the widths of the given configs (their n is
    /// ignored: only D_S and C, the gate channels and heads, and d are used), from <see cref="Cost"/>.
    /// </summary>
    public static IReadOnlyList<TokenMixingCost> TokenMixingCosts(IEnumerable<long> tokens, MixerConfig mixer, GmlpConfig gmlp, VitConfig vit) =>
        tokens.Select(n => new TokenMixingCost(n,
            Cost.Mlp(n, mixer.TokenHidden, mixer.EmbedDim, "token MLP"),
            Cost.SpatialProjection(n, gmlp.GateChannels, gmlp.Heads),
            Cost.SelfAttention(n, vit.EmbedDim))).ToList();

    /// <summary>Parameters and MACs of <see cref="TokenMixingCosts"/> against n, log–log: a power law is a straight line, its slope the power.</summary>
    public static (GenericChart Params, GenericChart Macs) TokenMixingCharts(IReadOnlyList<TokenMixingCost> costs, string[] names)
    {
        var x = costs.Select(c => (double)c.Tokens).ToList();
        Func<TokenMixingCost, CostRow>[] parts = [c => c.MixerTokenMlp, c => c.GmlpSpatial, c => c.Attention];
        GenericChart Chart(Func<CostRow, long> value, string what) => Charts.Lines(
            parts.Select((part, i) => new Series(names[i], x, costs.Select(c => (double)value(part(c))).ToList())),
            $"{what} of one token-mixing layer against the number of tokens n", "tokens n (log scale)",
            $"{what} (log scale)", logX: true, logY: true, xTicks: x);
        return (Chart(r => r.Params, "parameters"), Chart(r => r.Macs, "MACs per image"));
    }

    /// <summary>
    /// The distance between two patches of a side×side grid (tokens numbered row by row): the number
    /// of king moves from one to the other, max(|Δrow|, |Δcol|). 0 is the token itself, 1 its 8
    /// neighbours, 2 the next ring of 16, and so on.
    /// </summary>
    public static int RingDistance(int a, int b, int side) =>
        Math.Max(Math.Abs(a / side - b / side), Math.Abs(a % side - b % side));

    /// <summary>
    /// Mean |W[i, j]| over all pairs (i, j) of tokens at each ring distance 0 … side−1, over every
    /// leading index (heads, blocks) of a [..., n, n] tensor with n = side². A token-mixing that
    /// behaves like a convolution puts its mass at small distances; an untrained one is flat.
    /// <paramref name="relative"/>: divided by the mean |W| over all pairs, so that 1 means "as much
    /// as average" whatever the weights' overall size.
    /// </summary>
    public static double[] MeanAbsByDistance(Tensor weights, int side, bool relative = false)
    {
        using var scope = NewDisposeScope();
        long n = (long)side * side;
        if (weights.dim() < 2 || weights.shape[^1] != n || weights.shape[^2] != n)
            throw new ArgumentException($"expected [..., {n}, {n}] weights for a {side}×{side} grid, got [{string.Join(", ", weights.shape)}].", nameof(weights));
        var mean = weights.detach().cpu().to(ScalarType.Float64).abs().reshape(-1, n, n).mean([0L]);
        var values = mean.contiguous().data<double>().ToArray();
        var sums = new double[side];
        var counts = new long[side];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                int d = RingDistance(i, j, side);
                sums[d] += values[i * n + j];
                counts[d]++;
            }
        double overall = relative ? sums.Sum() / counts.Sum() : 1;
        return sums.Select((s, d) => s / counts[d] / overall).ToArray();
    }

    /// <summary>
    /// What feeds one output token: row <paramref name="token"/> of every head's W [heads, n, n],
    /// laid out on the side×side patch grid (panel h, cell (r, c) = W[h, token, r·side + c]), drawn
    /// like <see cref="Charts.SpatialWeights"/> — one panel per head and their average.
    /// </summary>
    public static GenericChart TokenFields(Tensor weights, int token, int side, string title)
    {
        using var scope = NewDisposeScope();
        long n = (long)side * side;
        if (weights.dim() != 3 || weights.shape[1] != n || weights.shape[2] != n)
            throw new ArgumentException($"expected [heads, {n}, {n}] weights, got [{string.Join(", ", weights.shape)}].", nameof(weights));
        if (token < 0 || token >= n) throw new ArgumentOutOfRangeException(nameof(token), $"token {token} is not one of 0…{n - 1}.");
        var fields = weights.detach().cpu().select(1, token).reshape(-1, side, side);
        return Charts.SpatialWeights(fields, title,
            hoverTemplate: $"input patch (row %{{y}}, column %{{x}}) → token {token}: %{{z:.4f}}<extra></extra>");
    }
}
