"""Fan-out: N sub-calls at a fixed latency and concurrency C, against the ideal ceil(N / C) * latency.

Runs the real path (LLMClient -> LiteLLM -> HTTP) against the loopback fake
server, cache off. Target: within 1.2x of ideal.

    python benchmarks/bench_fanout.py [--n 200] [--latency 0.5] [--concurrency 16] [--repeat 3]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

from fakellm import FakeLLM  # noqa: E402

from rlm_cli.llm import LLMClient, LLMConfig, preload  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--latency", type=float, default=0.5)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    preload().join()  # the import is a one-off start-up cost, measured elsewhere
    ideal = math.ceil(args.n / args.concurrency) * args.latency
    with FakeLLM(max_lifetime=600) as server:
        server.script("sub", responder=lambda req: f"summary of {req.last_user[:20]}", latency=args.latency)
        client = LLMClient(LLMConfig(model="openai/root", sub_model="openai/sub", api_base=server.url,
                                     api_key="sk-bench-dummy", concurrency=args.concurrency, cache=False))
        client.query("warm-up")  # first call builds LiteLLM's HTTP client
        server.max_in_flight = 0
        best = math.inf
        for r in range(args.repeat):
            prompts = [f"chunk {r}-{i}" for i in range(args.n)]
            t0 = time.perf_counter()
            out = client.batch(prompts)
            elapsed = time.perf_counter() - t0
            errors = sum(o.startswith("[ERROR]") for o in out)
            best = min(best, elapsed)
            print(f"run {r + 1}: {elapsed:.2f}s  ratio {elapsed / ideal:.3f}  errors {errors}  "
                  f"max in flight {server.max_in_flight}")
    ratio = best / ideal
    print(f"fan-out n={args.n} latency={args.latency}s concurrency={args.concurrency}: best {best:.2f}s, "
          f"ideal {ideal:.2f}s, ratio {ratio:.3f} ({'within' if ratio <= 1.2 else 'OVER'} the 1.2x target)")
    return 0 if ratio <= 1.2 else 1


if __name__ == "__main__":
    sys.exit(main())
