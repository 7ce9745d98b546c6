#!/usr/bin/env python3
"""Golden fixtures for geomap's linear-probe solver and metrics (Tests/Fixtures/probe/).

Fits scikit-learn's LogisticRegression(C=1.0, L2, fit_intercept) on a
small synthetic data set (300 samples x 20 features, fixed seed): binary, multinomial (4
classes), one-vs-rest multi-label (4 labels) and one-vs-rest on standardised features, and
records coefficients, intercepts, predict_proba on the held-out rows and sklearn.metrics on them.
A second file holds metric-only cases with tied scores.

    pip install scikit-learn numpy
    python3 tools/probe/make_goldens.py            # writes Tests/Fixtures/probe/*.json
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (accuracy_score, average_precision_score, f1_score,
                             precision_score, recall_score)
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler, label_binarize

OUT = pathlib.Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "probe"
N, D, K, TRAIN = 300, 20, 4, 240


def lr():
    return LogisticRegression(C=1.0, solver="lbfgs", tol=1e-10, max_iter=10000)


def exact():
    """The same objective solved by Newton's method to rounding level (|gradient| ~ 1e-16).

    The L2 optimum is unique, but lbfgs with tol=1e-10 stops on scipy's ftol (64 eps) at
    |gradient| ~ 1e-8, which on these features is up to ~1.3e-4 relative from the optimum:
    too coarse a reference for a 1e-4 check. The goldens hold the exact optimum; the lbfgs
    coefficients are checked to agree with them within 5e-4 when the goldens are made.
    """
    return LogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-12, max_iter=1000)


def agree(a, b, what):
    a, b = np.asarray(a), np.asarray(b)
    error = (abs(a - b) / np.maximum(abs(b), 1e-2 * abs(b).max())).max()
    print(f"{what}: lbfgs vs exact optimum, max relative difference {error:.2e}")
    assert error < 5e-4, what


def metrics(y_true_multi_hot, proba, pred_multi_hot, labels_for_prf=None):
    """sklearn.metrics as upstream's evaluate, on indicator matrices."""
    out = {"accuracy": accuracy_score(y_true_multi_hot, pred_multi_hot)}
    for avg in ("micro", "macro"):
        kw = dict(average=avg, zero_division=0)
        if labels_for_prf is not None:
            yt = y_true_multi_hot.argmax(1)
            yp = pred_multi_hot.argmax(1)
            out[f"precision_{avg}"] = precision_score(yt, yp, **kw)
            out[f"recall_{avg}"] = recall_score(yt, yp, **kw)
            out[f"f1_{avg}"] = f1_score(yt, yp, **kw)
        else:
            out[f"precision_{avg}"] = precision_score(y_true_multi_hot, pred_multi_hot, **kw)
            out[f"recall_{avg}"] = recall_score(y_true_multi_hot, pred_multi_hot, **kw)
            out[f"f1_{avg}"] = f1_score(y_true_multi_hot, pred_multi_hot, **kw)
        out[f"average_precision_{avg}"] = average_precision_score(
            y_true_multi_hot, proba, average=avg)
    return {key: float(value) for key, value in out.items()}


def main():
    rng = np.random.default_rng(20261122)
    centres = rng.normal(0, 1.0, size=(K, D))
    classes = rng.integers(0, K, size=N)
    scales = np.linspace(0.3, 3.0, D)
    x = (centres[classes] + rng.normal(0, 1.5, size=(N, D))) * scales
    x = np.round(x, 6)
    # Multi-label targets: 4 labels from noisy linear scores, one of them rare.
    directions = rng.normal(0, 1, size=(D, K))
    scores = (x / scales) @ directions + rng.normal(0, 2.0, size=(N, K))
    thresholds = np.quantile(scores, [0.5, 0.6, 0.7, 0.88], axis=0).diagonal()
    multi_hot = (scores > thresholds).astype(int)
    binary = (classes % 2).astype(int)
    tr, te = slice(0, TRAIN), slice(TRAIN, N)

    cases = {}

    model = exact().fit(x[tr], binary[tr])
    agree(lr().fit(x[tr], binary[tr]).coef_, model.coef_, "binary")
    proba = model.predict_proba(x[te])
    onehot = label_binarize(binary[te], classes=[0, 1, 2])[:, :2]
    pred = label_binarize(model.predict(x[te]), classes=[0, 1, 2])[:, :2]
    cases["binary"] = dict(
        task="multiclass", classes=binary.tolist(), class_count=2,
        coef=model.coef_.tolist(), intercept=model.intercept_.tolist(),
        proba=proba.tolist(),
        metrics=metrics(onehot, proba, pred, labels_for_prf=True))

    model = exact().fit(x[tr], classes[tr])
    agree(lr().fit(x[tr], classes[tr]).coef_, model.coef_, "multinomial")
    proba = model.predict_proba(x[te])
    onehot = label_binarize(classes[te], classes=range(K))
    pred = label_binarize(model.predict(x[te]), classes=range(K))
    cases["multinomial"] = dict(
        task="multiclass", classes=classes.tolist(), class_count=K,
        coef=model.coef_.tolist(), intercept=model.intercept_.tolist(),
        proba=proba.tolist(),
        metrics=metrics(onehot, proba, pred, labels_for_prf=True))

    model = OneVsRestClassifier(exact()).fit(x[tr], multi_hot[tr])
    agree([e.coef_[0] for e in OneVsRestClassifier(lr()).fit(x[tr], multi_hot[tr]).estimators_],
          [e.coef_[0] for e in model.estimators_], "one-vs-rest")
    proba = model.predict_proba(x[te])
    cases["one_vs_rest"] = dict(
        task="multilabel", multi_hot=multi_hot.tolist(), class_count=K,
        coef=[e.coef_[0].tolist() for e in model.estimators_],
        intercept=[float(e.intercept_[0]) for e in model.estimators_],
        proba=proba.tolist(), metrics=metrics(multi_hot[te], proba, model.predict(x[te])))

    model = make_pipeline(StandardScaler(), OneVsRestClassifier(exact())).fit(
        x[tr], multi_hot[tr])
    scaler = model[0]
    coef = np.array([e.coef_[0] for e in model[1].estimators_]) / scaler.scale_
    intercept = np.array([e.intercept_[0] for e in model[1].estimators_]) - coef @ scaler.mean_
    proba = model.predict_proba(x[te])
    cases["one_vs_rest_standardized"] = dict(
        task="multilabel", multi_hot=multi_hot.tolist(), class_count=K,
        coef=coef.tolist(), intercept=intercept.tolist(), proba=proba.tolist(),
        metrics=metrics(multi_hot[te], proba, model.predict(x[te])))

    OUT.mkdir(parents=True, exist_ok=True)
    golden = dict(
        note="made by tools/probe/make_goldens.py; C=1, L2; the exact optimum (newton-cholesky, "
             "agreeing with lbfgs tol=1e-10 within 5e-4); rows < train_rows are fitted, the "
             "rest evaluated",
        sklearn=sklearn.__version__, train_rows=TRAIN, features=x.tolist(), cases=cases)
    (OUT / "logistic_goldens.json").write_text(json.dumps(golden))

    # Metric-only cases with tied scores (two decimals) and an all-negative-prediction class.
    rng = np.random.default_rng(7)
    m, k = 50, 5
    y_ml = (rng.random((m, k)) < [0.5, 0.3, 0.2, 0.1, 0.6]).astype(int)
    s_ml = np.round(np.clip(0.35 * y_ml + rng.random((m, k)) * 0.7, 0, 1), 1)
    s_ml[:, 3] = np.minimum(s_ml[:, 3], 0.45)  # class 3 is never predicted
    y_mc = rng.integers(0, k - 1, size=m)      # class 4 never occurs in y_true
    s_mc = rng.random((m, k)) + 0.6 * label_binarize(y_mc, classes=range(k))
    s_mc[:, 4] *= 0.2                          # ... and is never predicted
    s_mc = np.round(s_mc / s_mc.sum(1, keepdims=True), 2)
    pred_mc = label_binarize(s_mc.argmax(1), classes=range(k))
    onehot_mc = label_binarize(y_mc, classes=range(k))
    # Macro AP over the classes with positives (geomap's rule); sklearn would count class 4 as 0.
    ap_mc = [average_precision_score(onehot_mc[:, c], s_mc[:, c]) for c in range(k - 1)]
    metric_cases = dict(
        multilabel=dict(
            multi_hot=y_ml.tolist(), scores=s_ml.tolist(),
            metrics=metrics(y_ml, s_ml, (s_ml > 0.5).astype(int)),
            class_average_precision=average_precision_score(y_ml, s_ml, average=None).tolist()),
        multiclass=dict(
            classes=y_mc.tolist(), class_count=k, scores=s_mc.tolist(),
            metrics={**metrics(onehot_mc[:, :k - 1], s_mc[:, :k - 1], pred_mc[:, :k - 1],
                               labels_for_prf=True),
                     "average_precision_macro": float(np.mean(ap_mc)),
                     "average_precision_micro": float(average_precision_score(
                         onehot_mc.ravel(), s_mc.ravel()))},
            class_average_precision=ap_mc + [None]))
    # The multi-class P/R/F1 above need y_pred over all 5 classes: recompute them exactly.
    for avg in ("micro", "macro"):
        kw = dict(average=avg, zero_division=0)
        yp = s_mc.argmax(1)
        mc = metric_cases["multiclass"]["metrics"]
        mc[f"precision_{avg}"] = float(precision_score(y_mc, yp, **kw))
        mc[f"recall_{avg}"] = float(recall_score(y_mc, yp, **kw))
        mc[f"f1_{avg}"] = float(f1_score(y_mc, yp, **kw))
    metric_cases["multiclass"]["metrics"]["accuracy"] = float(accuracy_score(y_mc, s_mc.argmax(1)))
    (OUT / "metric_goldens.json").write_text(json.dumps(dict(
        note="made by tools/probe/make_goldens.py; scores rounded to create ties",
        sklearn=sklearn.__version__, cases=metric_cases)))


if __name__ == "__main__":
    main()
