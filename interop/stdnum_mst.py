"""Validate Vietnamese tax codes with python-stdnum, an implementation independent of ours.

Reads one candidate code per line from the file named on the command line and prints, per line,
"1" when stdnum.vn.mst accepts it and "0" when it does not. The Rust test
crates/domain/tests/stdnum_crosscheck.rs compares these verdicts with TaxCode::parse.
"""

import sys

from stdnum.vn import mst


def main(path: str) -> None:
    out = []
    with open(path, encoding="ascii") as f:
        for line in f:
            out.append("1" if mst.is_valid(line.strip()) else "0")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
