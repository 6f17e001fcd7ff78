"""Cut models/eval/folds89.jsonl: the lines of dev.jsonl whose record has fold 8 or 9, byte for
byte and in the original order."""
import json
import os

import common
import data as D

OUT = common.EVAL


def main():
    n = 0
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(D.DEV, "rb") as src, open(OUT, "wb") as dst:
        for line in src:
            if line.strip() and json.loads(line)["fold"] in D.TEST_FOLDS:
                dst.write(line)
                n += 1
    print("eval: %d records of folds %s -> %s (sha256 %s)" % (n, list(D.TEST_FOLDS), OUT, D.sha256_file(OUT)))


if __name__ == "__main__":
    main()
