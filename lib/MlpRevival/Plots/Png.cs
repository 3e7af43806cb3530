using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace MlpRevival.Plots;

/// <summary>
/// A minimal PNG encoder (8-bit RGB, the Sub filter, zlib from the framework) so that image grids can
/// travel as one small data URI inside a chart, with no imaging dependency.
/// </summary>
internal static class Png
{
    public static byte[] EncodeRgb(byte[] rgb, int width, int height)
    {
        if (rgb.Length != width * height * 3) throw new ArgumentException($"expected {width * height * 3} bytes of RGB, got {rgb.Length}.");
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(0), width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;   // bits per channel
        header[9] = 2;   // colour type: RGB
        Chunk(png, "IHDR", header);
        using (var raw = new MemoryStream())
        {
            using (var z = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
            {
                // Filter "Sub" (each byte minus the one 3 to its left): photos compress better than unfiltered.
                var row = new byte[width * 3 + 1];
                row[0] = 1;
                for (int y = 0; y < height; y++)
                {
                    int start = y * width * 3;
                    for (int i = 0; i < width * 3; i++)
                        row[i + 1] = (byte)(rgb[start + i] - (i >= 3 ? rgb[start + i - 3] : 0));
                    z.Write(row);
                }
            }
            Chunk(png, "IDAT", raw.ToArray());
        }
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    static void Chunk(Stream output, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        output.Write(typeBytes);
        output.Write(data);
        uint crc = Crc32(Crc32(0xFFFFFFFFu, typeBytes), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        output.Write(word);
    }

    static readonly uint[] Table = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    static uint Crc32(uint crc, byte[] data)
    {
        foreach (var b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }
}
