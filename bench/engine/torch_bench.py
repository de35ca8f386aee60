"""Torch baseline for `npm run bench:engine`: the identical model and algorithms as the Caravan engine.

Model: pre-LN decoder-only transformer, learned positions, ReLU MLP (ratio 4), untied output head,
byte vocabulary. Training: Adam, cross-entropy, same batch shape. Serving: prefill each prompt, then
KV-cached incremental decoding of the whole batch (keys/values concatenated per step), sampling on
CPU from the logits, under torch.inference_mode(). Prints one JSON line.
"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, h, mlp):
        super().__init__()
        self.h = h
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.o = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, mlp * d)
        self.fc2 = nn.Linear(mlp * d, d)

    def forward(self, x, mask):
        B, T, d = x.shape
        h, dh = self.h, d // self.h
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=-1)
        q = q.view(B, T, h, dh).transpose(1, 2)
        k = k.view(B, T, h, dh).transpose(1, 2)
        v = v.view(B, T, h, dh).transpose(1, 2)
        s = (q @ k.transpose(-1, -2)) / math.sqrt(dh) + mask[:T, :T]
        y = (s.softmax(-1) @ v).transpose(1, 2).reshape(B, T, d)
        x = x + self.o(y)
        return x + self.fc2(F.relu(self.fc1(self.ln2(x)))), k, v

    def step(self, x, K, V, maskrow):
        # x: [B, d]; K, V: [B, h, L, dh]
        B, d = x.shape
        h, dh = self.h, d // self.h
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=-1)
        K = torch.cat([K, k.view(B, h, 1, dh)], 2)
        V = torch.cat([V, v.view(B, h, 1, dh)], 2)
        s = (q.view(B, h, 1, dh) @ K.transpose(-1, -2)) / math.sqrt(dh) + maskrow
        y = (s.softmax(-1) @ V).reshape(B, d)
        x = x + self.o(y)
        return x + self.fc2(F.relu(self.fc1(self.ln2(x)))), K, V


class GPT(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["dModel"]
        self.c = c
        self.tok = nn.Embedding(c["vocabSize"], d)
        self.pos = nn.Embedding(c["contextLength"], d)
        self.blocks = nn.ModuleList([Block(d, c["nHeads"], c["mlpRatio"]) for _ in range(c["nLayers"])])
        self.lnf = nn.LayerNorm(d)
        self.head = nn.Linear(d, c["vocabSize"])
        T = c["contextLength"]
        self.register_buffer("mask", torch.triu(torch.full((T, T), -1e9), 1))

    def forward(self, ids, want_cache=False):
        B, T = ids.shape
        x = self.tok(ids) + self.pos.weight[:T]
        cache = []
        for b in self.blocks:
            x, k, v = b(x, self.mask)
            cache.append((k, v))
        logits = self.head(self.lnf(x))
        return (logits, cache) if want_cache else logits

    def step(self, tokens, positions, cache, maskrow):
        x = self.tok(tokens) + self.pos(positions)
        new = []
        for b, (K, V) in zip(self.blocks, cache):
            x, K, V = b.step(x, K, V, maskrow)
            new.append((K, V))
        return self.head(self.lnf(x)), new


def train_tps(c, B, seconds):
    torch.manual_seed(0)
    m = GPT(c)
    opt = torch.optim.Adam(m.parameters(), lr=1e-3, betas=(0.9, 0.99))
    T = c["contextLength"]
    data = torch.randint(0, c["vocabSize"], (64, B, T + 1))

    def step(i):
        batch = data[i % 64]
        logits = m(batch[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, c["vocabSize"]), batch[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        opt.step()

    for i in range(3):
        step(i)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds or n < 3:
        step(n)
        n += 1
    return n * B * T / (time.perf_counter() - t0)


def sample(logits, gen):
    # temperature 0.8, top-k 40, as the engine's defaults
    v, i = torch.topk(logits / 0.8, 40, dim=-1)
    p = torch.softmax(v, -1)
    return i.gather(-1, torch.multinomial(p, 1, generator=gen)).squeeze(-1)


def serve_tps(c, B, prompt_len, gen_tokens, seconds):
    torch.manual_seed(0)
    m = GPT(c).eval()
    gen = torch.Generator().manual_seed(0)
    prompts = torch.randint(1, c["vocabSize"], (B, prompt_len))

    def run():
        with torch.inference_mode():
            # prefill each prompt (as the engine does), then decode the batch with the KV cache
            caches, nxt = [], []
            for r in range(B):
                logits, cache = m(prompts[r : r + 1], want_cache=True)
                caches.append(cache)
                nxt.append(sample(logits[:, -1], gen))
            cache = [(torch.cat([cc[l][0] for cc in caches]), torch.cat([cc[l][1] for cc in caches])) for l in range(len(m.blocks))]
            tokens = torch.cat(nxt)
            maskrow = torch.zeros(B, 1, 1, prompt_len)
            for t in range(gen_tokens - 1):
                pos = torch.full((B,), prompt_len + t, dtype=torch.long)
                maskrow = torch.cat([maskrow, torch.zeros(B, 1, 1, 1)], -1)
                logits, cache = m.step(tokens, pos, cache, maskrow)
                tokens = sample(logits, gen)
        return B * gen_tokens

    run()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds or n < 2:
        n += run()
    return n / (time.perf_counter() - t0)


def main():
    spec = json.loads(sys.argv[1])
    build = [f"cpu {torch.backends.cpu.get_cpu_capability()}"]
    if torch.backends.mkldnn.is_available():
        build.append("oneDNN")
    if torch.backends.mkl.is_available():
        build.append("MKL")
    out = {"torch": torch.__version__, "build": ", ".join(build), "results": []}
    for job in spec["jobs"]:
        best = None
        for threads in (1, 2):
            torch.set_num_threads(threads)
            if job["kind"] == "train":
                v = train_tps(job["config"], job["batch"], spec["seconds"])
            else:
                v = serve_tps(job["config"], job["batch"], job["promptLen"], job["genTokens"], spec["seconds"])
            if best is None or v > best[0]:
                best = (v, threads)
        out["results"].append({"id": job["id"], "tokPerSec": best[0], "threads": best[1]})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
