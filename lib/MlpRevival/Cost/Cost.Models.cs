using MlpRevival.Models;

// Namespace MlpRevival (not MlpRevival.Cost): a namespace named like the class would shadow `Cost.Of` inside every MlpRevival.* namespace.
namespace MlpRevival;

public static partial class Cost
{
    /// <summary>
    /// The closed-form cost of a whole model for one image, one row per stage of its forward pass (the
    /// stage names of the built model). Invalid configs throw <see cref="ArgumentException"/>.
    /// </summary>
    public static CostReport Of(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        IEnumerable<CostRow> rows = config switch
        {
            MixerConfig c => Mixer(c),
            GmlpConfig c => Gmlp(c),
            SeedGmlpConfig c => SeedGmlp(c),
            VitConfig c => Vit(c),
            FlattenMlpConfig c => FlattenMlp(c),
            CnnConfig c => Cnn(c),
            ResNetConfig c => ResNet(c),
            _ => throw new ArgumentException($"No cost model for config type {config.GetType().Name}.", nameof(config)),
        };
        return new CostReport(config, rows.ToList());
    }

    /// <summary>The cost of a named config, optionally at another resolution and class count.</summary>
    public static CostReport Of(string name, int? imageSize = null, int? classes = null)
    {
        var config = ModelZoo.Get(name);
        return Of(config.At(imageSize ?? config.ImageSize, classes ?? config.Classes));
    }

    static IEnumerable<CostRow> Mixer(MixerConfig c)
    {
        long s = c.Tokens, ch = c.Hidden;
        yield return PatchEmbedding(c.ImageSize, c.Patch, ch);
        for (int i = 1; i <= c.Layers; i++) yield return MixerLayer(s, ch, c.TokenHidden, c.ChannelHidden, $"layer {i}");
        yield return LayerNorm(ch, s);
        yield return new CostRow("pool", [ch], 0, 0);
        yield return Linear(ch, c.Classes, name: "head");
    }

    static IEnumerable<CostRow> Gmlp(GmlpConfig c)
    {
        long n = c.Tokens, d = c.Hidden;
        yield return PatchEmbedding(c.ImageSize, c.Patch, d);
        for (int i = 1; i <= c.Layers; i++) yield return GmlpBlock(n, d, c.Ffn, c.Heads, c.AttentionDim, $"block {i}");
        yield return LayerNorm(d, n);
        yield return new CostRow("pool", [d], 0, 0);
        yield return Linear(d, c.Classes, name: "head");
    }

    static IEnumerable<CostRow> SeedGmlp(SeedGmlpConfig c)
    {
        long n = c.Tokens, d = c.Hidden;
        yield return PatchEmbedding(c.ImageSize, c.Patch, d, "patch_embed");
        yield return CostRow.Group("tokens", [n, d],
            new CostRow("cls token", [1, d], d, 0),
            new CostRow("position embedding", [n, d], n * d, 0));
        for (int i = 1; i <= c.Layers; i++)
            yield return CostRow.Group($"block {i}", [n, d],          // the seed's block: same layers as gMLP's, GELU after V too
                LayerNorm(d, n),
                Linear(d, c.Ffn, n, name: "channel_proj_U"),
                SpatialGatingUnit(n, c.Ffn),
                Linear(c.Ffn / 2, d, n, name: "channel_proj_V"));
        yield return LayerNorm(d, n);
        yield return new CostRow("cls", [d], 0, 0);
        yield return Linear(d, c.FcHidden, name: "fc_1");
        yield return Linear(c.FcHidden, c.Classes, name: "head");
    }

    static IEnumerable<CostRow> Vit(VitConfig c)
    {
        long n = c.Tokens, d = c.Hidden;
        yield return PatchEmbedding(c.ImageSize, c.Patch, d);
        if (c.ClsToken || c.PositionEmbedding)
        {
            var parts = new List<CostRow>();
            if (c.ClsToken) parts.Add(new CostRow("cls token", [1, d], d, 0));
            if (c.PositionEmbedding) parts.Add(new CostRow("position embedding", [n, d], n * d, 0));
            yield return CostRow.Group("tokens", [n, d], [.. parts]);
        }
        for (int i = 1; i <= c.Layers; i++) yield return VitBlock(n, d, c.MlpHidden, $"block {i}");
        yield return LayerNorm(d, n);
        yield return new CostRow(c.ClsToken ? "cls" : "pool", [d], 0, 0);
        yield return Linear(d, c.Classes, name: "head");
    }

    static IEnumerable<CostRow> FlattenMlp(FlattenMlpConfig c)
    {
        yield return new CostRow("flatten", [c.InputDim], 0, 0);
        long previous = c.InputDim;
        for (int i = 0; i < c.Hidden.Count; i++)
        {
            yield return Linear(previous, c.Hidden[i], name: $"fc{i + 1}");
            previous = c.Hidden[i];
        }
        yield return Linear(previous, c.Classes, name: "head");
    }

    static IEnumerable<CostRow> Cnn(CnnConfig c)
    {
        long channels = ModelConfig.InChannels, size = c.ImageSize;
        for (int i = 0; i < c.Widths.Count; i++)
        {
            var conv = Conv2d(channels, c.Widths[i], 3, size, size, padding: 1, name: "conv3×3");
            size /= 2;
            yield return CostRow.Group($"layer{i + 1}", [c.Widths[i], size, size],
                conv, new CostRow("maxpool 2×2", [c.Widths[i], size, size], 0, 0));
            channels = c.Widths[i];
        }
        long flat = channels * size * size;
        yield return new CostRow("flatten", [flat], 0, 0);
        yield return Linear(flat, c.Classes, name: "classifier");
    }

    static IEnumerable<CostRow> ResNet(ResNetConfig c)
    {
        long size = c.ImageSize, channels = c.Widths[0];
        yield return CostRow.Group("stem", [channels, size, size],
            Conv2d(ModelConfig.InChannels, channels, 3, size, size, padding: 1, bias: false, name: "conv3×3"),
            BatchNorm2d(channels, size, size));
        for (int s = 0; s < c.Widths.Count; s++)
            for (int b = 0; b < c.BlocksPerStage; b++)
            {
                long stride = s > 0 && b == 0 ? 2 : 1;
                var block = BasicBlock(channels, c.Widths[s], stride, size, size, $"stage{s + 1}.block{b + 1}");
                yield return block;
                channels = c.Widths[s];
                size = block.OutputShape[1];
            }
        yield return new CostRow("pool", [channels], 0, 0);
        yield return Linear(channels, c.Classes, name: "head");
    }
}
