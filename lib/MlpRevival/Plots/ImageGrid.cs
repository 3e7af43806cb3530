using MlpRevival.Data;
using Plotly.NET;
using TorchSharp;
using static TorchSharp.torch;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace MlpRevival.Plots;

/// <summary>
/// Images in a grid, as one chart: the tiles are composed into a single PNG (nearest-pixel, so the
/// 32×32 images stay crisp when plotly scales them), with each image's class name under it.
/// </summary>
public static class ImageGrid
{
    /// <summary>
    /// <paramref name="images"/>: uint8 [N, 3, H, W] (0–255) or float [N, 3, H, W] in 0–1.
    /// <paramref name="labels"/> (int64 [N]) and <paramref name="classNames"/> caption the tiles;
    /// <paramref name="captions"/> overrides them with any text per image.
    /// </summary>
    public static GenericChart Show(Tensor images, Tensor? labels = null, IReadOnlyList<string>? classNames = null, int columns = 10,
                                    string? title = null, IReadOnlyList<string>? captions = null, int tileSize = 64)
    {
        if (images.dim() != 4 || images.shape[1] != 3)
            throw new ArgumentException($"ImageGrid.Show wants RGB images [N, 3, H, W], got [{string.Join(", ", images.shape)}].", nameof(images));
        int n = (int)images.shape[0], h = (int)images.shape[2], w = (int)images.shape[3];
        if (n == 0) throw new ArgumentException("no images to show.", nameof(images));
        columns = Math.Clamp(columns, 1, n);
        int rows = (n + columns - 1) / columns;
        var text = captions ?? (labels is null ? null : labels.cpu().data<long>().ToArray()
            .Select(l => classNames is not null && l >= 0 && l < classNames.Count ? classNames[(int)l] : l.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList());
        double scale = (double)tileSize / Math.Max(h, w);
        const int gap = 2;
        // Room for a caption under each row, in image pixels (the canvas is scaled by `scale` on screen).
        int rowGap = text is null ? gap : (int)Math.Ceiling(15 / scale) + gap;
        int width = columns * w + (columns - 1) * gap, height = rows * (h + rowGap) - (text is null ? gap : 0);

        byte[] pixels;
        using (var scope = torch.NewDisposeScope())
        {
            var bytes = images.dtype == ScalarType.Byte ? images : images.clamp(0, 1).mul(255).round().to(ScalarType.Byte);
            pixels = bytes.cpu().permute(0, 2, 3, 1).contiguous().data<byte>().ToArray();   // [N, H, W, 3]
        }
        var canvas = new byte[width * height * 3];
        Array.Fill(canvas, (byte)255);
        for (int i = 0; i < n; i++)
        {
            int top = i / columns * (h + rowGap), left = i % columns * (w + gap);
            for (int y = 0; y < h; y++)
                Array.Copy(pixels, (i * h + y) * w * 3, canvas, ((top + y) * width + left) * 3, w * 3);
        }
        var source = "data:image/png;base64," + Convert.ToBase64String(Png.EncodeRgb(canvas, width, height));

        var chart = CSharpChart.Image<int>(Source: source);
        int topMargin = title is null ? 10 : 50 + Style.ToolbarBand;
        chart = Style.Layout(chart, l =>
        {
            if (title is not null) Style.Title(l, title);
            // Wide enough for the title too; the tiles keep their size, on the left (the x axis's domain ends where the image does).
            int imageWidth = (int)Math.Round(width * scale);
            int chartWidth = Math.Max(imageWidth + 40, title is null ? 0 : Math.Min(Style.FullWidth, Style.TitleWidth(title)));
            l.SetProperty("width", chartWidth);
            l.SetProperty("height", (int)Math.Round(height * scale) + topMargin + 10);
            Style.Margin(l, 20, 20, title is null ? 10 : 50, 10);
            l.SetProperty("paper_bgcolor", "white");
            l.SetProperty("plot_bgcolor", "white");
            if (text is not null)
                l.SetProperty("annotations", text.Take(n).Select((t, i) => new Dictionary<string, object>
                {
                    ["x"] = i % columns * (w + gap) + (w - 1) / 2.0, ["y"] = i / columns * (h + rowGap) + h - 0.5,
                    ["xref"] = "x", ["yref"] = "y", ["text"] = System.Net.WebUtility.HtmlEncode(t), ["showarrow"] = false,
                    ["yanchor"] = "top", ["font"] = new Dictionary<string, object> { ["size"] = 11 },
                }).ToList());
            var axis = new Dictionary<string, object> { ["visible"] = false, ["showgrid"] = false, ["zeroline"] = false };
            Style.Axis(l, "xaxis", axis);
            Style.Axis(l, "yaxis", axis);
            Style.Axis(l, "xaxis", new Dictionary<string, object> { ["domain"] = new[] { 0.0, Math.Min(1.0, (double)imageWidth / (chartWidth - 40)) } });
        });
        return chart;
    }

    /// <summary>The first <paramref name="count"/> images of a set with their class names.</summary>
    public static GenericChart Show(ImageSet set, int count = 20, int columns = 10, string? title = null)
    {
        using var images = set.Images.narrow(0, 0, Math.Min(count, set.Count));
        using var labels = set.Labels.narrow(0, 0, Math.Min(count, set.Count));
        return Show(images, labels, set.ClassNames, columns, title ?? set.Source);
    }
}
