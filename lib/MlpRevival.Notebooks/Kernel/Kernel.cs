// The public surface of the .NET Interactive C# kernel that notebook code calls, for the course's
// headless runner. The real kernel packages (Microsoft.DotNet.Interactive, .CSharp) are not in our
// package feed and are deprecated upstream; these types reproduce what a cell can see of them:
// `using static Microsoft.DotNet.Interactive.Kernel;` gives display(...), HTML(...), CSS(...) and
// Javascript(...); `x.Display()` is an extension method in namespace System. Only the runner's
// script sessions reference this assembly: the course library never does, so there is no clash
// with the real kernel in VS Code.
using Microsoft.AspNetCore.Html;
using MlpRevival.Notebooks.Execution;

namespace Microsoft.DotNet.Interactive
{
    /// <summary>Static helpers a notebook cell calls unqualified.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Style", "IDE1006", Justification = "The kernel's own names.")]
    public static class Kernel
    {
        /// <summary>Displays a value as a new output of the running cell.</summary>
        public static DisplayedValue display(object? value, params string[] mimeTypes) =>
            DisplayedValue.Show(value, mimeTypes);

        /// <summary>Marks a string as HTML, so that it is displayed as markup rather than text.</summary>
        public static IHtmlContent HTML(string content) => new HtmlString(content);

        /// <summary>Adds a style sheet to the page.</summary>
        public static void CSS(string content) => display(HTML($"<style>{content}</style>"));

        /// <summary>Runs a script in the page.</summary>
        public static void Javascript(string scriptContent) =>
            display(HTML($"<script type=\"text/javascript\">{scriptContent}</script>"));
    }

    /// <summary>A displayed output that can be replaced in place (progress, live tables).</summary>
    public sealed class DisplayedValue
    {
        readonly CellContext cell;
        readonly System.Text.Json.Nodes.JsonObject output;
        readonly string[] mimeTypes;

        DisplayedValue(CellContext cell, System.Text.Json.Nodes.JsonObject output, string[] mimeTypes)
        {
            this.cell = cell;
            this.output = output;
            this.mimeTypes = mimeTypes;
            DisplayId = Guid.NewGuid().ToString();
        }

        public string DisplayId { get; }

        internal static DisplayedValue Show(object? value, string[] mimeTypes) =>
            ShowBundle(ValueFormatter.Format(value, mimeTypes), mimeTypes);

        internal static DisplayedValue ShowBundle(IReadOnlyDictionary<string, string> bundle, string[] mimeTypes)
        {
            var cell = CellContext.Current ?? throw new InvalidOperationException(
                "display(...) was called outside a running notebook cell.");
            return new DisplayedValue(cell, cell.AddDisplay(bundle), mimeTypes);
        }

        /// <summary>Replaces the displayed value.</summary>
        public void Update(object? updatedValue) => cell.Replace(output, ValueFormatter.Format(updatedValue, mimeTypes));
    }

    /// <summary>The invocation in progress; non-null while a cell runs (the real kernel's marker, used by libraries).</summary>
    public sealed class KernelInvocationContext
    {
        static readonly KernelInvocationContext instance = new();

        KernelInvocationContext() { }

        public static KernelInvocationContext? Current => CellContext.Current is null ? null : instance;

        public DisplayedValue Display(object? value, params string[] mimeTypes) => Kernel.display(value, mimeTypes);
    }
}

namespace System
{
    /// <summary>The kernel's display extension methods.</summary>
    public static class DisplayExtensions
    {
        /// <summary>Displays the value as a new output of the running cell.</summary>
        public static Microsoft.DotNet.Interactive.DisplayedValue Display(this object? value, params string[] mimeTypes) =>
            Microsoft.DotNet.Interactive.Kernel.display(value, mimeTypes);

        /// <summary>Displays a string with the given MIME type, e.g. "text/markdown".</summary>
        public static Microsoft.DotNet.Interactive.DisplayedValue DisplayAs(this string value, string mimeType) =>
            Microsoft.DotNet.Interactive.DisplayedValue.ShowBundle(
                new Dictionary<string, string> { [mimeType] = value }, [mimeType]);
    }
}
