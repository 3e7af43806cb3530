"""The PyTorch side of `course bench`: the same models, batch sizes and thread count as the C#
side, trained step by step (forward, cross-entropy, backward, AdamW) on the same kind of input,
so that the two throughputs are measured side by side in one run. Written for the benchmark
only; the course never depends on Python.

A worker: the C# side starts it once and sends one JSON request per line on stdin; each gets one
JSON reply per line on stdout (nothing else is written there). Requests, by "op":

  hello  {"threads": n}                  -> {"torch", "threads", "blas",      set the thread count; the
                                             "families"}                      model families built here
  gemm   {"size": n, "repeats": r}       -> {"gflops", "ms"}                  best of r n x n matmuls
  setup  {"model", "family", "config",
          "batch", "image_size", "classes",
          "lr", "weight_decay", "seed"}  -> {"params"}                        build model + AdamW

"config" holds the C# config's named arguments in snake case (image_size, classes, patch_size,
blocks, embed_dim, token_hidden, channel_hidden, ...): the constructor arguments of FAMILIES[family].
  train  {"steps": k}                    -> {"seconds", "loss"}               k steps, timed as one window
  quit                                   -> (exits)

Any failure is answered with {"error": message} and the worker keeps serving.
"""
import json
import sys
import time

import torch
from torch import nn


class SeedSpatialGatingUnit(nn.Module):
    # The seed article's SGU: LayerNorm on the gate half, weights uniform +-0.05, bias ones.
    def __init__(self, d_ffn, seq_len, weight_value=0.05):
        super().__init__()
        self.norm = nn.LayerNorm(d_ffn // 2)
        self.weight = nn.Parameter(torch.zeros(seq_len, seq_len))
        nn.init.uniform_(self.weight, a=-weight_value, b=weight_value)
        self.bias = nn.Parameter(torch.ones(seq_len))

    def forward(self, x):
        u, v = x.chunk(2, dim=-1)
        v = self.norm(v)
        v = torch.einsum("bnd,mn->bmd", v, self.weight) + self.bias[None, :, None]
        return u * v


class SeedGmlpBlock(nn.Module):
    def __init__(self, d_model, d_ffn, seq_len):
        super().__init__()
        self.norm = nn.LayerNorm(d_model)
        self.channel_proj_U = nn.Sequential(nn.Linear(d_model, d_ffn), nn.GELU())
        self.sgu = SeedSpatialGatingUnit(d_ffn, seq_len)
        self.channel_proj_V = nn.Sequential(nn.Linear(d_ffn // 2, d_model), nn.GELU())

    def forward(self, x):
        return self.channel_proj_V(self.sgu(self.channel_proj_U(self.norm(x)))) + x


class SeedGmlpClassifier(nn.Module):
    # Image_Classification + gMLP_Vision from the seed article, unchanged in structure
    # (the seed fixes d_ffn = 4 * embed_dim; channel_hidden makes it explicit).
    def __init__(self, image_size=32, classes=10, patch_size=8, blocks=3, embed_dim=512, channel_hidden=2048, head_hidden=256):
        super().__init__()
        num_patches = (image_size // patch_size) ** 2
        self.proj = nn.Conv2d(3, embed_dim, kernel_size=patch_size, stride=patch_size)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, num_patches + 1, embed_dim))
        self.pos_drop = nn.Dropout(p=0.1)
        self.blocks = nn.Sequential(*[SeedGmlpBlock(embed_dim, channel_hidden, num_patches + 1) for _ in range(blocks)])
        self.norm = nn.LayerNorm(embed_dim)
        self.fc_1 = nn.Linear(embed_dim, head_hidden)
        self.act = nn.GELU()
        self.head = nn.Linear(head_hidden, classes)

    def forward(self, x):
        x = self.proj(x).flatten(2).transpose(1, 2)
        x = torch.cat((self.cls_token.expand(x.shape[0], -1, -1), x), dim=1)
        x = self.pos_drop(x + self.pos_embed)
        x = self.norm(self.blocks(x))[:, 0]
        return self.head(self.act(self.fc_1(x)))


class MixerBlock(nn.Module):
    # timm's MixerBlock: pre-LayerNorm token-mixing then channel-mixing MLPs, residuals.
    def __init__(self, tokens, dim, token_hidden, channel_hidden):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp_tokens = nn.Sequential(nn.Linear(tokens, token_hidden), nn.GELU(), nn.Linear(token_hidden, tokens))
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp_channels = nn.Sequential(nn.Linear(dim, channel_hidden), nn.GELU(), nn.Linear(channel_hidden, dim))

    def forward(self, x):
        x = x + self.mlp_tokens(self.norm1(x).transpose(1, 2)).transpose(1, 2)
        return x + self.mlp_channels(self.norm2(x))


class Mixer(nn.Module):
    # timm's MlpMixer: conv stem (kernel = stride = patch), blocks, LayerNorm, mean over tokens, head.
    def __init__(self, image_size, classes, patch_size, blocks, embed_dim, token_hidden, channel_hidden):
        super().__init__()
        tokens = (image_size // patch_size) ** 2
        self.stem = nn.Conv2d(3, embed_dim, kernel_size=patch_size, stride=patch_size)
        self.blocks = nn.Sequential(*[MixerBlock(tokens, embed_dim, token_hidden, channel_hidden) for _ in range(blocks)])
        self.norm = nn.LayerNorm(embed_dim, eps=1e-6)
        self.head = nn.Linear(embed_dim, classes)

    def forward(self, x):
        x = self.stem(x).flatten(2).transpose(1, 2)
        x = self.norm(self.blocks(x))
        return self.head(x.mean(dim=1))


# The C# config record's name in kebab case -> its twin here.
FAMILIES = {"seed-gmlp": SeedGmlpClassifier, "mixer": Mixer}


def build(family, config):
    if family not in FAMILIES:
        raise ValueError("no PyTorch model for family " + family)
    return FAMILIES[family](**config)


def blas_libraries():
    # Which BLAS this process loaded: without OpenBLAS, Debian's torch falls back to reference BLAS (~20x slower).
    try:
        with open("/proc/self/maps") as maps:
            names = {line.split()[-1] for line in maps if "blas" in line.lower() or "mkl" in line.lower()}
        return sorted(name for name in names if name.startswith("/"))
    except OSError:
        return []


class Worker:
    def __init__(self):
        self.session = None

    def hello(self, request):
        torch.set_num_threads(int(request["threads"]))
        a = torch.randn(64, 64)
        a @ a  # loads the BLAS library, so that blas_libraries() sees it
        return {"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_libraries(),
                "families": sorted(FAMILIES)}

    def gemm(self, request):
        size, repeats = int(request["size"]), int(request["repeats"])
        a, b = torch.randn(size, size), torch.randn(size, size)
        a @ b  # warm-up, as Gemm.Measure on the C# side
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            a @ b
            best = min(best, time.perf_counter() - start)
        return {"gflops": 2.0 * size ** 3 / best / 1e9, "ms": best * 1000}

    def setup(self, request):
        self.session = None
        torch.manual_seed(int(request.get("seed", 0)))
        model = build(request["family"], request["config"])
        model.train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=float(request["lr"]), weight_decay=float(request["weight_decay"]))
        batch, size = int(request["batch"]), int(request["image_size"])
        x = torch.randn(batch, 3, size, size)
        y = torch.randint(0, int(request["classes"]), (batch,))
        self.session = (model, optimizer, nn.CrossEntropyLoss(), x, y)
        return {"params": sum(p.numel() for p in model.parameters())}

    def train(self, request):
        if self.session is None:
            raise ValueError("train before setup")
        model, optimizer, loss_fn, x, y = self.session
        steps = int(request["steps"])
        start = time.perf_counter()
        loss = None
        for _ in range(steps):
            # set_to_none=False: zero the gradients in place, as TorchSharp's zero_grad() does.
            optimizer.zero_grad(set_to_none=False)
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "loss": float(loss.item()) if loss is not None else None}


def main():
    worker = Worker()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            request = json.loads(line)
            op = request.get("op")
            if op == "quit":
                break
            handler = {"hello": worker.hello, "gemm": worker.gemm, "setup": worker.setup, "train": worker.train}.get(op)
            if handler is None:
                raise ValueError("unknown op " + repr(op))
            reply = handler(request)
        except Exception as error:  # reported to the C# side, which decides what to do
            reply = {"error": type(error).__name__ + ": " + str(error)}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
