"""Time the planner on held-out users, and its return against best_fixed and random.

    python scripts/planner_benchmark.py --env sagym/Companion-v0 \
        --rewards engagement satisfaction need_support --users 256

For each design: the wall time of the planner's whole evaluation (256 users x 90 days by
default; the figure docs/performance.md quotes), its return, best_fixed's (chosen on training
users) and random's, and the planner's gain over best_fixed. One process, one core: the kernel is
single-threaded, so on a two-core machine the second core is free for another cell. ``CPU s``
is the process's CPU time, a steadier figure than the wall time on a shared machine.
"""

from __future__ import annotations

import argparse
import time

from sagym.agents.baselines import RandomPolicy
from sagym.agents.best_fixed import BestFixedPolicy
from sagym.agents.planner import DEFAULT_FUTURES, PlannerPolicy
from sagym.envs.lookup import simulation_spec
from sagym.envs.user.threads import threads
from sagym.outcomes import evaluate


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--env", default="sagym/Companion-v0")
    p.add_argument("--rewards", nargs="+", default=["engagement", "satisfaction", "need_support"])
    p.add_argument("--users", type=int, default=256)
    p.add_argument("--lookahead", type=int, default=None)
    p.add_argument("--continuations", type=int, default=2, help="0: all, every day")
    p.add_argument("--refresh", type=int, default=10)
    p.add_argument("--futures", type=int, default=DEFAULT_FUTURES, help="0: the true future noise")
    p.add_argument("--eval-seed", type=int, default=0)
    args = p.parse_args(argv)
    print(
        f"env {args.env}, {args.users} held-out users, lookahead {args.lookahead or 'horizon'}, "
        f"continuations {args.continuations or 'all'}, refresh {args.refresh}, "
        f"futures {args.futures or 'the true one (clairvoyant)'}, {threads()} thread(s)"
    )
    print(
        f"{'design':<16} {'random':>9} {'best_fixed':>11} {'planner':>9} {'gain':>8} "
        f"{'seconds':>8} {'CPU s':>6} {'Muser-days/s':>13}"
    )
    for reward in args.rewards:
        spec = simulation_spec(args.env, reward=reward)
        kw = {"n_users": args.users, "eval_seed": args.eval_seed}
        rand = evaluate(RandomPolicy(0), spec, **kw).outcomes["return"]
        best_policy = BestFixedPolicy(reward, seed=args.eval_seed)
        best = evaluate(best_policy, spec, **kw).outcomes["return"]
        planner = PlannerPolicy(
            reward,
            lookahead=args.lookahead,
            continuations=args.continuations or None,
            refresh=args.refresh,
            futures=args.futures,
        )
        started, cpu = time.perf_counter(), time.process_time()
        top = evaluate(planner, spec, **kw).outcomes["return"]
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        gain = (top - best) / abs(best) if best else float("nan")
        rate = planner.simulated_user_days / seconds / 1e6
        print(
            f"{reward:<16} {rand:9.3f} {best:11.3f} {top:9.3f} {gain:+8.1%} {seconds:8.1f} "
            f"{cpu:6.1f} {rate:13.2f}   (best_fixed = {best_policy.name.split(':', 1)[1]})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
