#!/usr/bin/env bash
# Runs once when the dev container is created: restore and build everything the notebooks use,
# and install the course kernel.
set -euo pipefail
cd "$(dirname "$0")/.."

if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  # A GPU host: every build in this checkout uses the CUDA build of TorchSharp from now on.
  # Directory.Build.rsp is read by each dotnet build/test/run here and is git-ignored.
  echo "-p:TorchBackend=cuda" > Directory.Build.rsp
  echo "NVIDIA GPU found: building with TorchSharp-cuda-linux (delete Directory.Build.rsp to go back to the CPU build)."
fi

dotnet tool restore
dotnet build MlpRevival.sln
# The course kernel: .kernel/ (the pinned .NET Interactive kernel with the FSharp.Core Plotly.NET
# needs), which .vscode/settings.json and this container's settings launch, and the Jupyter
# kernelspec .net-csharp.
dotnet run --project lib/Course --no-build -- kernel install
echo
echo "Ready. Open notebooks/00-setup.ipynb and press Run All, or run every notebook headlessly:"
echo "  dotnet run --project lib/Course -- run notebooks --profile quick"
