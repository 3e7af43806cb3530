using Microsoft.Playwright;

namespace MlpRevival.Tests.Notebooks.Export;

/// <summary>What a real browser saw of an exported page.</summary>
public sealed record PageCheck(
    int Charts,
    int RenderedCharts,
    IReadOnlyList<string> Errors,
    IReadOnlyList<string> BlockedRequests,
    string Screenshot)
{
    public override string ToString() =>
        $"{RenderedCharts}/{Charts} charts rendered; errors: [{string.Join(" | ", Errors)}]; blocked requests: [{string.Join(", ", BlockedRequests)}]; screenshot {Screenshot}";
}

/// <summary>
/// Opens an exported notebook page in headless Chromium (Debian's, through Playwright) with no
/// network: every request that is not the file itself is refused and recorded. A chart counts as
/// rendered when plotly.js has drawn its SVG into the chart's div.
/// </summary>
public static class BrowserPage
{
    public const string Chromium = "/usr/bin/chromium";

    /// <summary>Headless Chromium, as root in a container and with no network to phone home to.</summary>
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(Chromium))
            throw new InvalidOperationException($"{Chromium} is missing: tests/run installs Debian's chromium package (apt-get install chromium).");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        });
        return (playwright, browser);
    }

    public static async Task<PageCheck> CheckAsync(string htmlFile, string screenshotFile)
    {
        var (playwright, browser) = await LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 900 } });
        var errors = new List<string>();
        var blocked = new List<string>();
        page.Console += (_, message) => { if (message.Type == "error") errors.Add("console: " + message.Text); };
        page.PageError += (_, error) => errors.Add("page error: " + error);
        var self = new Uri(Path.GetFullPath(htmlFile)).AbsoluteUri;
        await page.RouteAsync("**/*", async route =>
        {
            if (route.Request.Url == self) await route.ContinueAsync();
            else { blocked.Add(route.Request.Url); await route.AbortAsync(); }
        });
        await page.GotoAsync(self, new PageGotoOptions { WaitUntil = WaitUntilState.Load, Timeout = 120_000 });
        var charts = await page.Locator(".mlpr-chart").CountAsync();
        // plotly draws asynchronously: wait until each chart has its SVG (or give up after a while).
        var rendered = 0;
        for (int attempt = 0; attempt < 100; attempt++)
        {
            rendered = await page.EvaluateAsync<int>(
                "() => [...document.querySelectorAll('.mlpr-chart')].filter(d => d.querySelector('.main-svg')).length");
            if (rendered == charts) break;
            await Task.Delay(100);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(screenshotFile))!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshotFile, FullPage = true });
        return new PageCheck(charts, rendered, errors, blocked, screenshotFile);
    }
}
