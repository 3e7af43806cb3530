using System.IO.Compression;
using System.Text.Json.Nodes;
using MlpRevival.Data;
using MlpRevival.Display;
using MlpRevival.Plots;
using Plotly.NET;
using TorchSharp;
using static TorchSharp.torch;

namespace MlpRevival.Tests.Plots;

/// <summary>The image grid: one PNG whose tiles are the images' exact pixels, captioned with class names.</summary>
public class ImageGridTests
{
    /// <summary>Decodes the grid's PNG (8-bit RGB, one IDAT, Sub filter as written) back to RGB bytes.</summary>
    static (int Width, int Height, byte[] Rgb) DecodePng(byte[] png)
    {
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        int pos = 8, width = 0, height = 0;
        var idat = new MemoryStream();
        while (pos < png.Length)
        {
            int length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            var type = System.Text.Encoding.ASCII.GetString(png, pos + 4, 4);
            var data = png.AsSpan(pos + 8, length);
            if (type == "IHDR")
            {
                width = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(data);
                height = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                Assert.Equal(8, data[8]);
                Assert.Equal(2, data[9]);
            }
            if (type == "IDAT") idat.Write(data);
            pos += 12 + length;
        }
        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        var raw = new MemoryStream();
        z.CopyTo(raw);
        var rows = raw.ToArray();
        var rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            int filter = rows[y * (width * 3 + 1)];
            for (int i = 0; i < width * 3; i++)
            {
                byte v = rows[y * (width * 3 + 1) + 1 + i];
                rgb[y * width * 3 + i] = filter switch
                {
                    0 => v,
                    1 => (byte)(v + (i >= 3 ? rgb[y * width * 3 + i - 3] : 0)),
                    _ => throw new InvalidDataException($"filter {filter}"),
                };
            }
        }
        return (width, height, rgb);
    }

    [Fact]
    public void Tiles_hold_the_exact_pixels_and_captions_name_the_classes()
    {
        using var test = Cifar10.LoadTest(Repo.Path_("datasets", "cifar-10-sample"));
        var chart = ImageGrid.Show(test, count: 12, columns: 5, title: "twelve test images");
        var figure = JsonNode.Parse(GenericChart.toFigureJson(chart))!;
        var trace = figure["data"]![0]!;
        Assert.Equal("image", trace["type"]!.GetValue<string>());
        var source = trace["source"]!.GetValue<string>();
        Assert.StartsWith("data:image/png;base64,", source);
        var (width, height, rgb) = DecodePng(Convert.FromBase64String(source["data:image/png;base64,".Length..]));
        Assert.Equal(5 * 32 + 4 * 2, width);

        int rowPitch = height / 3;                                         // 3 rows of tiles (image + caption room)
        var images = test.Images.data<byte>().ToArray();
        foreach (var (i, y, x) in new[] { (0, 0, 0), (4, 31, 31), (7, 10, 20), (11, 31, 0) })
        {
            int top = i / 5 * rowPitch, left = i % 5 * 34;
            for (int c = 0; c < 3; c++)
                Assert.Equal(images[((i * 3 + c) * 32 + y) * 32 + x], rgb[((top + y) * width + left + x) * 3 + c]);
        }
        var annotations = figure["layout"]!["annotations"]!.AsArray().Select(a => a!["text"]!.GetValue<string>()).ToList();
        Assert.Equal(test.LabelArray().Take(12).Select(l => test.ClassNames[(int)l]), annotations);
        Assert.Contains("twelve test images", ChartHtml.Render(chart));
    }
}
