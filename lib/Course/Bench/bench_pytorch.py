"""The PyTorch side of `course bench`: the same models, batch sizes and thread count as the C#
side, trained step by step (forward, cross-entropy, backward, AdamW) on the same kind of input,
so that the two throughputs are measured side by side in one run. Written for the benchmark
only; the course never depends on Python.

Input (argv[1]): JSON {"threads": n, "warmup": w, "steps": s, "runs": [{"model": name,
"batch": b, "config": {...}}]}. Output (stdout): one JSON object per run, one per line.
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
    # Image_Classification + gMLP_Vision from the seed article, unchanged in structure.
    def __init__(self, image_size=32, patch_size=8, embed_dim=512, num_layers=3, fc_dim=256, num_classes=10):
        super().__init__()
        num_patches = (image_size // patch_size) ** 2
        self.proj = nn.Conv2d(3, embed_dim, kernel_size=patch_size, stride=patch_size)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, num_patches + 1, embed_dim))
        self.pos_drop = nn.Dropout(p=0.1)
        self.blocks = nn.Sequential(*[SeedGmlpBlock(embed_dim, embed_dim * 4, num_patches + 1) for _ in range(num_layers)])
        self.norm = nn.LayerNorm(embed_dim)
        self.fc_1 = nn.Linear(embed_dim, fc_dim)
        self.act = nn.GELU()
        self.head = nn.Linear(fc_dim, num_classes)

    def forward(self, x):
        x = self.proj(x).flatten(2).transpose(1, 2)
        x = torch.cat((self.cls_token.expand(x.shape[0], -1, -1), x), dim=1)
        x = self.pos_drop(x + self.pos_embed)
        x = self.norm(self.blocks(x))[:, 0]
        return self.head(self.act(self.fc_1(x)))


class MixerBlock(nn.Module):
    # timm's MixerBlock: pre-LayerNorm token-mixing then channel-mixing MLPs, residuals.
    def __init__(self, tokens, dim, tokens_hidden, channels_hidden):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp_tokens = nn.Sequential(nn.Linear(tokens, tokens_hidden), nn.GELU(), nn.Linear(tokens_hidden, tokens))
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp_channels = nn.Sequential(nn.Linear(dim, channels_hidden), nn.GELU(), nn.Linear(channels_hidden, dim))

    def forward(self, x):
        x = x + self.mlp_tokens(self.norm1(x).transpose(1, 2)).transpose(1, 2)
        return x + self.mlp_channels(self.norm2(x))


class Mixer(nn.Module):
    def __init__(self, image_size, patch, layers, hidden, tokens_hidden, channels_hidden, classes):
        super().__init__()
        tokens = (image_size // patch) ** 2
        self.stem = nn.Conv2d(3, hidden, kernel_size=patch, stride=patch)
        self.blocks = nn.Sequential(*[MixerBlock(tokens, hidden, tokens_hidden, channels_hidden) for _ in range(layers)])
        self.norm = nn.LayerNorm(hidden, eps=1e-6)
        self.head = nn.Linear(hidden, classes)

    def forward(self, x):
        x = self.stem(x).flatten(2).transpose(1, 2)
        x = self.norm(self.blocks(x))
        return self.head(x.mean(dim=1))


def build(family, config):
    if family == "seed-gmlp":
        return SeedGmlpClassifier(**config)
    if family == "mixer":
        return Mixer(**config)
    raise ValueError("unknown model family " + family)


def measure(run, warmup, steps):
    torch.manual_seed(0)
    model = build(run["family"], run["config"])
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    loss_fn = nn.CrossEntropyLoss()
    batch = run["batch"]
    size = run["image_size"]
    x = torch.randn(batch, 3, size, size)
    y = torch.randint(0, run["classes"], (batch,))
    params = sum(p.numel() for p in model.parameters())

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    times.sort()
    median = times[len(times) // 2]
    return {"model": run["model"], "batch": batch, "params": params, "step_ms": median * 1000,
            "img_s": batch / median, "threads": torch.get_num_threads(), "torch": torch.__version__}


def main():
    spec = json.loads(sys.argv[1])
    torch.set_num_threads(spec["threads"])
    for run in spec["runs"]:
        print(json.dumps(measure(run, spec["warmup"], spec["steps"])), flush=True)


if __name__ == "__main__":
    main()
