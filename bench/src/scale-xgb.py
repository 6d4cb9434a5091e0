"""XGBoost reference for bench/src/scale.ts: trains `hist` on the propensity model's training rows
(float32 matrix written by the bench, categorical features as category indexes) with the same number
of trees and depth as Lyra's active version, then times `predict` on the scoring pair matrix
(subscriber x candidate rows, built by Lyra's feature code) on one thread, best of three, a new
DMatrix each time (XGBoost caches the predictions of a DMatrix it has seen). Prints one JSON line.
Optional: "model_out" saves the trained booster, "model_in" loads one instead of training (train_s is then the load)."""
import json, sys, time
import numpy as np
import xgboost as xgb

args = json.loads(sys.argv[1])
types = args["types"]
f = len(types)
Xtr = np.fromfile(args["train_x"], dtype=np.float32).reshape(-1, f)
ytr = np.fromfile(args["train_y"], dtype=np.uint8)
Xp = np.fromfile(args["pairs_x"], dtype=np.float32).reshape(-1, f)


def matrix(X, label=None, nthread=1):
    try:
        return xgb.DMatrix(X, label=label, feature_types=types, enable_categorical=True, nthread=nthread), "categorical"
    except Exception:  # an XGBoost without categorical support from numpy: the indexes as numbers
        return xgb.DMatrix(X, label=label, nthread=nthread), "numeric codes"


dtr, how = matrix(Xtr, ytr, args["train_threads"])
t0 = time.perf_counter()
if args.get("model_in"):  # a model saved by an earlier run on the same rows (model_out)
    booster = xgb.Booster(model_file=args["model_in"])
else:
    booster = xgb.train({"tree_method": "hist", "max_depth": args["depth"], "eta": args["eta"], "lambda": args["lambda"],
                         "min_child_weight": args["min_child_weight"], "max_bin": 256, "objective": "binary:logistic",
                         "nthread": args["train_threads"], "seed": 0}, dtr, args["trees"])
    if args.get("model_out"):
        booster.save_model(args["model_out"])
train_s = time.perf_counter() - t0
booster.set_param({"nthread": 1})
best = float("inf")
best_cpu = float("inf")
for _ in range(3):
    dp, _ = matrix(Xp, None, 1)
    t1 = time.perf_counter()
    c1 = time.process_time()
    booster.predict(dp)
    best = min(best, time.perf_counter() - t1)
    best_cpu = min(best_cpu, time.process_time() - c1)
    del dp
print(json.dumps({"xgboost": xgb.__version__, "categorical": how, "trees": booster.num_boosted_rounds(), "train_rows": int(Xtr.shape[0]),
                  "train_s": train_s, "predict_rows": int(Xp.shape[0]), "predict_s": best, "predict_cpu_s": best_cpu}))
