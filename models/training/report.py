"""Print the metrics of every manifest as a Markdown table (model vs baseline, fold 7 and folds 8+9)."""
import json
import os

ART = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "artifacts")


def f(x):
    return "–" if x is None else "%.3f" % x


def main():
    rows = []
    for name in sorted(os.listdir(ART)):
        p = os.path.join(ART, name, "manifest.json")
        if not os.path.exists(p):
            continue
        with open(p) as fh:
            m = json.load(fh)["metrics"]
        if name == "classifier":
            for key, label in (("accuracy", "accuracy"), ("macro_f1", "macro-F1 (10 cats ≥30 eval records)")):
                rows.append((name, label, m["fold7"][key], m["fold7_baseline_keyword"][key],
                             m["folds89"][key], m["folds89_baseline_keyword"][key], m["folds89"]["n"]))
            rows.append((name, "top-3 accuracy", m["fold7"]["top3_accuracy"], None, m["folds89"]["top3_accuracy"],
                         None, m["folds89"]["n"]))
        elif name == "classifier-deep":
            for key, label in (("accuracy", "cascade accuracy"), ("macro_f1", "cascade macro-F1")):
                rows.append((name, label, m["fold7"][key], None, m["folds89"][key], m["folds89_fast_alone"][key], m["folds89"]["n"]))
        elif name == "mpn-plausibility":
            for key in ("auc", "precision", "recall"):
                label = key if key == "auc" else "%s @ %.4g" % (key, m["fold7"]["threshold"])
                rows.append((name, label, m["fold7"][key], m["fold7_baseline_heuristic"][key],
                             m["folds89"][key], m["folds89_baseline_heuristic"][key], m["folds89"]["examples"]))
        else:
            for key, label in (("brand_exact", "brand exact"), ("mpn_exact", "MPN exact"), ("gtin_found", "GTIN found")):
                if m["folds89"].get(key) is None and m["fold7"].get(key) is None:
                    continue
                rows.append((name, label, m["fold7"][key], m["fold7_baseline"][key], m["folds89"][key],
                             m["folds89_baseline"][key], m["folds89"][key + "_n"]))
            for key, label in (("attributes_all", "attribute F1 (all annotated)"),
                               ("attributes_category", "attribute F1 (category attrs only)")):
                if key in m["folds89"]:
                    rows.append((name, label, m["fold7"][key]["f1"], m["fold7_baseline"][key]["f1"],
                                 m["folds89"][key]["f1"], m["folds89_baseline"][key]["f1"],
                                 m["folds89"][key]["pave_records"]))
    print("| model | metric | fold 7 | fold 7 baseline | folds 8+9 | folds 8+9 baseline | n (8+9) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print("| %s | %s | %s | %s | %s | %s | %s |" % (r[0], r[1], f(r[2]), f(r[3]), f(r[4]), f(r[5]), r[6]))


if __name__ == "__main__":
    main()
