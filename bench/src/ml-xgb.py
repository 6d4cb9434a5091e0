"""XGBoost reference for bench/src/ml.ts: reads float32/uint8 binaries written by
the bench, trains `hist` with the given threads, prints one JSON line.
Times exclude file I/O: DMatrix construction + training, and predict separately;
each also as CPU time of the process (all its threads), which a busy machine inflates less."""
import json, sys, time
import numpy as np
import xgboost as xgb
from sklearn.metrics import roc_auc_score

args = json.loads(sys.argv[1])
n, f = args["rows"], args["features"]
X = np.fromfile(args["x"], dtype=np.float32).reshape(n, f)
y = np.fromfile(args["y"], dtype=np.uint8)
is_test = np.fromfile(args["test"], dtype=np.uint8).astype(bool)
Xtr, ytr, Xte, yte = X[~is_test], y[~is_test], X[is_test], y[is_test]
out = {"xgboost": xgb.__version__}
for nt in args["threads"]:
    t0 = time.perf_counter()
    c0 = time.process_time()
    dtr = xgb.DMatrix(Xtr, label=ytr, nthread=nt)
    booster = xgb.train({"tree_method": "hist", "max_depth": args["depth"], "eta": args["eta"], "lambda": args["lambda"],
                         "min_child_weight": args["min_child_weight"], "max_bin": 256, "objective": "binary:logistic",
                         "nthread": nt, "seed": 0}, dtr, args["trees"])
    train_s = time.perf_counter() - t0
    train_cpu = time.process_time() - c0
    dte = xgb.DMatrix(Xte, nthread=nt)
    auc = roc_auc_score(yte, booster.predict(dte))
    pred_s = float("inf")
    pred_cpu = float("inf")
    for _ in range(3):  # best of three, as on the Lyra side
        # A new DMatrix each time: XGBoost caches the predictions of a DMatrix it has seen.
        dall = xgb.DMatrix(X, nthread=nt)
        t1 = time.perf_counter()
        c1 = time.process_time()
        booster.predict(dall)
        pred_s = min(pred_s, time.perf_counter() - t1)
        pred_cpu = min(pred_cpu, time.process_time() - c1)
        del dall
    out[str(nt)] = {"train_s": train_s, "auc": float(auc), "predict_s": pred_s, "predict_rows": n,
                    "train_cpu_s": train_cpu, "predict_cpu_s": pred_cpu}
print(json.dumps(out))
