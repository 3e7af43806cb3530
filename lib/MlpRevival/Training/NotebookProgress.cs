using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Html;
using MlpRevival.Display;

namespace MlpRevival.Training;

/// <summary>
/// Training progress in a notebook: ONE output, shown when the run starts and replaced in place
/// (at most <see cref="UpdatesPerSecond"/> times a second, plus at every epoch end and at the end):
/// a progress bar with the running loss, accuracy, images/s and time left, and the table of
/// finished epochs. Outside a notebook it draws nothing.
/// </summary>
public sealed class NotebookProgress(double updatesPerSecond = 2) : ITrainingProgress
{
    readonly Stopwatch sinceUpdate = Stopwatch.StartNew();
    LiveDisplay? display;
    ConsoleProgress? fallback;
    RunStart? start;
    StepReport? last;
    string? phase;
    IReadOnlyList<EpochMetrics> epochs = [];

    public double UpdatesPerSecond { get; } = updatesPerSecond;

    /// <summary>How many times the output was redrawn (for tests of the throttle).</summary>
    public int Redraws { get; private set; }

    public void Start(RunStart s)
    {
        start = s;
        phase = (s.FirstEpoch > 0 ? $"resuming at epoch {s.FirstEpoch + 1}" : "starting") +
                (s.ResumedDespite.Count > 0 ? $" despite {string.Join(", ", s.ResumedDespite)}" : "");
        display = LiveDisplay.TryShow(new HtmlString(Render(null)));
        // No notebook display to update (a script, or a kernel we cannot reach): plain lines instead of nothing.
        if (display is null) fallback = new ConsoleProgress();
        fallback?.Start(s);
        Redraws = 1;
    }

    public void Step(StepReport s)
    {
        fallback?.Step(s);
        last = s;
        phase = null;
        if (sinceUpdate.Elapsed.TotalSeconds * UpdatesPerSecond < 1) return;
        Redraw();
    }

    public void Evaluating(int epoch)
    {
        phase = $"evaluating epoch {epoch + 1} on the test set";
        Redraw();
    }

    public void EpochEnd(EpochMetrics metrics, IReadOnlyList<EpochMetrics> history)
    {
        fallback?.EpochEnd(metrics, history);
        epochs = history;
        phase = null;
        Redraw();
    }

    public void End(TrainResult result)
    {
        fallback?.End(result);
        epochs = result.Epochs;
        display?.Update(new HtmlString(Render(result)));
        Redraws++;
    }

    void Redraw()
    {
        display?.Update(new HtmlString(Render(null)));
        Redraws++;
        sinceUpdate.Restart();
    }

    string Render(TrainResult? result)
    {
        var s = start!;
        var html = new StringBuilder();
        html.Append("""<div class="mlpr-progress" style="font:13px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;max-width:980px">""");
        long done = last?.Step ?? s.FirstStep;
        double fraction = result?.Completed == true ? 1 : s.TotalSteps == 0 ? 0 : Math.Clamp((double)done / s.TotalSteps, 0, 1);
        string color = result is null ? "#4c78a8" : result.Completed ? "#54a24b" : "#e45756";
        html.Append($"""<div><b>{E(s.Config.Name)}</b> · {s.Parameters:N0} parameters · {E(s.Device)} · batch {s.Config.BatchSize} · {s.Config.Optimizer} lr {Num(s.Config.LearningRate)} wd {Num(s.Config.WeightDecay)}</div>""");
        html.Append($"""<div style="background:#e6e6e6;border-radius:3px;height:14px;margin:4px 0;overflow:hidden"><div style="background:{color};height:100%;width:{(fraction * 100).ToString("F1", CultureInfo.InvariantCulture)}%"></div></div>""");
        html.Append("<div>");
        if (result is not null)
            html.Append(result.Completed ? E(result.Message) : $"""<span style="color:#c0392b;font-weight:600">{E(result.Message)}</span>""");
        else
        {
            if (last is { } l)
            {
                double remaining = l.ImagesPerSecond > 0 ? (s.TotalSteps - l.Step) * (double)s.Config.BatchSize / l.ImagesPerSecond : double.NaN;
                html.Append($"epoch {l.Epoch + 1}/{s.Config.Epochs} · step {l.StepInEpoch}/{l.StepsPerEpoch} · loss {l.RunningLoss:F4} · " +
                            $"top-1 {l.RunningTop1:P1} · {l.ImagesPerSecond:N0} img/s · lr {Num(l.LearningRate)} · {Time(l.ElapsedSeconds)} elapsed" +
                            (double.IsFinite(remaining) ? $", ~{Time(remaining)} left" : ""));
            }
            if (phase is not null) html.Append(last is null ? E(phase) : $" · {E(phase)}");
        }
        html.Append("</div>");
        if (epochs.Count > 0)
        {
            html.Append("""<table style="border-collapse:collapse;margin-top:6px;font-variant-numeric:tabular-nums"><thead><tr>""");
            foreach (var h in new[] { "epoch", "train loss", "train top-1", "test loss", "test top-1", "test top-5", "img/s", "time" })
                html.Append($"""<th style="text-align:right;padding:2px 10px;border-bottom:2px solid #999">{h}</th>""");
            html.Append("</tr></thead><tbody>");
            foreach (var m in epochs)
            {
                html.Append("<tr>");
                foreach (var cell in new[]
                {
                    m.Epoch.ToString(CultureInfo.InvariantCulture), m.TrainLoss.ToString("F4", CultureInfo.InvariantCulture), m.TrainTop1.ToString("P1", CultureInfo.InvariantCulture),
                    m.TestLoss?.ToString("F4", CultureInfo.InvariantCulture) ?? "", m.TestTop1?.ToString("P1", CultureInfo.InvariantCulture) ?? "",
                    m.TestTop5?.ToString("P1", CultureInfo.InvariantCulture) ?? "", m.ImagesPerSecond.ToString("N0", CultureInfo.InvariantCulture), Time(m.Seconds),
                })
                    html.Append($"""<td style="text-align:right;padding:2px 10px;border-bottom:1px solid #ddd">{cell}</td>""");
                html.Append("</tr>");
            }
            html.Append("</tbody></table>");
        }
        html.Append("</div>");
        return html.ToString();
    }

    static string E(string s) => WebUtility.HtmlEncode(s);

    static string Num(double x) => x.ToString("G3", CultureInfo.InvariantCulture);

    static string Time(double seconds) =>
        seconds < 60 ? $"{seconds:F1} s" : seconds < 3600 ? $"{(int)seconds / 60}:{(int)seconds % 60:D2}" : $"{(int)seconds / 3600}:{(int)seconds % 3600 / 60:D2}:{(int)seconds % 60:D2}";
}
