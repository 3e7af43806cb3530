using Newtonsoft.Json;
using Plotly.NET;

namespace MlpRevival.Display;

/// <summary>
/// Renders a Plotly.NET chart as a self-contained HTML fragment for a notebook output.
///
/// Why not Plotly.NET.Interactive's formatter: see <see cref="NotebookFormatters"/>. This
/// fragment is a div plus a script that draws into it with whatever plotly.js
/// the page already has (window.Plotly, as in the course's HTML export, which embeds Plotly.NET's own
/// plotly.js once per page). Where the page has none (a fresh VS Code notebook), it loads the same
/// plotly.js version once from the CDN Plotly.NET itself names, going through require.js when
/// the page uses it (classic Jupyter).
/// </summary>
public static class ChartHtml
{
    /// <summary>CSS class every chart fragment carries; the HTML exporter and browser test look for it.</summary>
    public const string CssClass = "mlpr-chart";

    public static string PlotlyJsVersion => Globals.PLOTLYJS_VERSION;

    public static string CdnUrl => $"https://cdn.plot.ly/plotly-{PlotlyJsVersion}.min.js";

    public static string Render(GenericChart chart)
    {
        var id = "mlpr-chart-" + Guid.NewGuid().ToString("N")[..12];
        var figure = FigureJson(chart);
        var config = JsonConvert.SerializeObject(Plain(GenericChart.getConfig(chart)), Globals.JSON_CONFIG);
        var (_, height) = Size(chart);
        // "</" inside a script would end it early: escape it in the JSON.
        figure = figure.Replace("</", "<\\/");
        config = config.Replace("</", "<\\/");
        return $$$"""
            <div id="{{{id}}}" class="{{{CssClass}}}" style="width:100%;min-height:{{{height}}}px"></div>
            <script type="text/javascript">
            (function () {
              var figure = {{{figure}}};
              var config = Object.assign({responsive: true, displaylogo: false}, {{{config}}});
              var draw = function (Plotly) { Plotly.newPlot('{{{id}}}', figure.data, figure.layout, config); };
              if (window.Plotly) { draw(window.Plotly); return; }
              if (typeof window.define === 'function' && window.define.amd && typeof window.require === 'function') {
                window.require.config({paths: {plotly: '{{{CdnUrl[..^3]}}}'}});
                window.require(['plotly'], draw);
                return;
              }
              var queue = window.__mlprPlotlyQueue = window.__mlprPlotlyQueue || [];
              queue.push(draw);
              if (queue.length > 1) return;
              var script = document.createElement('script');
              script.src = '{{{CdnUrl}}}';
              script.onload = function () { while (queue.length) queue.shift()(window.Plotly); };
              script.onerror = function () {
                var el = document.getElementById('{{{id}}}');
                if (el) el.textContent = 'This chart needs plotly.js: no copy on the page and the CDN ({{{CdnUrl}}}) is unreachable. ' +
                  'The HTML export from "course run" embeds it and works offline.';
              };
              document.head.appendChild(script);
            })();
            </script>
            """;
    }

    /// <summary>
    /// The chart's plotly.js figure, {"data", "layout", "frames"}: the same JSON as Plotly.NET's
    /// <c>GenericChart.toFigureJson</c>, about a hundred times faster. Plotly.NET's traces and layout
    /// are DynamicObj objects, which Newtonsoft serialises through the dynamic binder — one failed
    /// member lookup (a first-chance exception) per property, seconds per chart for the layout's
    /// default template. Copying them into plain dictionaries first leaves Newtonsoft nothing dynamic.
    /// </summary>
    public static string FigureJson(GenericChart chart) =>
        JsonConvert.SerializeObject(new Dictionary<string, object?>
        {
            ["data"] = GenericChart.getTraces(chart).Select(t => Plain(t)).ToList(),
            ["layout"] = Plain(GenericChart.getLayout(chart)),
            ["frames"] = new List<object>(),
        }, Globals.JSON_CONFIG);

    static object? Plain(object? value) => value switch
    {
        null => null,
        DynamicObj.DynamicObj dynamic => dynamic.GetProperties(true).ToDictionary(p => p.Key, p => Plain(p.Value)),
        string text => text,
        System.Collections.IDictionary dictionary => dictionary,
        System.Collections.IEnumerable items => items.Cast<object?>().Select(Plain).ToList(),
        _ => value,
    };

    static (int Width, int Height) Size(GenericChart chart)
    {
        var (w, h) = GenericChart.tryGetLayoutSize(chart).ToValueTuple();
        return (w?.Value ?? 0, h?.Value ?? 450);
    }
}
