#!/usr/bin/env bash
# Runs once when the dev container is created: restore and build everything the notebooks use.
set -euo pipefail
cd "$(dirname "$0")/.."

if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  # A GPU host: every build in this checkout uses the CUDA build of TorchSharp from now on.
  # Directory.Build.rsp is read by each dotnet build/test/run here and is git-ignored.
  echo "-p:TorchBackend=cuda" > Directory.Build.rsp
  echo "NVIDIA GPU found: building with TorchSharp-cuda-linux (delete Directory.Build.rsp to go back to the CPU build)."
fi

dotnet build MlpRevival.sln
echo
echo "Ready. Open notebooks/00-setup.ipynb and run all cells, or run every notebook headlessly:"
echo "  dotnet run --project lib/Course -- run notebooks --profile quick"
