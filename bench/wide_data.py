#!/usr/bin/env python3
"""Writes a wide dataset: many candidate columns of which the target is a law of three.

200 rows (--rows) of --columns inputs x1..xN, uniform in [1, 5], their units cycling through
m, s, kg, m/s and dimensionless; the target is F[kg*m/s^2] = m·v/t with m = x3 [kg],
v = x4 [m/s], t = x2 [s] (three columns every width has), noise-free. Deterministic for a given --seed. Standard library only.

    python3 bench/wide_data.py --columns 300 --out build/wide300.csv
    physr fit build/wide300.csv --time-limit 10 --threads 2
"""

import argparse
import random
import sys

UNITS = ("m", "s", "kg", "m/s", "1")


def write(path, columns, rows, seed):
    rng = random.Random(seed)
    names = ["x%d" % (i + 1) for i in range(columns)]
    header = ["%s[%s]" % (n, UNITS[i % len(UNITS)]) for i, n in enumerate(names)]
    with open(path, "w", encoding="utf-8") as f:
        f.write(",".join(header + ["F[kg*m/s^2]"]) + "\n")
        for _ in range(rows):
            x = [rng.uniform(1.0, 5.0) for _ in range(columns)]
            target = x[2] * x[3] / x[1]  # m v / t: x3[kg], x4[m/s], x2[s]
            f.write(",".join("%.6g" % v for v in x + [target]) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--columns", type=int, default=30, help="input columns (at least 4)")
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", required=True, help="the CSV to write")
    args = parser.parse_args()
    if args.columns < 4:
        parser.error("--columns must be at least 4")
    write(args.out, args.columns, args.rows, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
