"""The seed demo: logistic regression on scikit-learn's bundled iris data.

    sitegen run examples/iris_sklearn.py 0.5      # regularization rate 0.5 (C = 1/rate)

Records its arguments as parameters (``rate``, ``max_iter``, ``test_size``), logs
"Regularization Rate", "Accuracy" and a "Log loss" curve (one point per solver iteration budget);
writes outputs/cm.png, outputs/roc.png and outputs/model.pkl. Offline, about 2 s.
"""
import argparse
import os
import pickle
import sys
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import auc, confusion_matrix, log_loss, roc_curve  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from sitegen import get_logger  # noqa: E402

parser = argparse.ArgumentParser(description="Logistic regression on iris, like the seed's demo.")
parser.add_argument("rate", type=float, nargs="?", default=0.01, help="regularization rate (C = 1/rate)")
parser.add_argument("--max-iter", type=int, default=1000, help="solver iterations of the final fit")
parser.add_argument("--test-size", type=float, default=0.35, help="share of the data held out")
args = parser.parse_args()

logger = get_logger()
logger.log_params(vars(args))  # the run's inputs, shown apart from its metrics

reg = args.rate
print(f"Python version: {sys.version.split()[0]}")
print(f"Regularization rate: {reg}")
logger.log("Regularization Rate", reg)

iris = load_iris()
X, Y = iris.data, iris.target
# like the seed: add 40 columns of noise so that regularization matters
random_state = np.random.RandomState(0)
X = np.c_[X, random_state.randn(X.shape[0], 40)]
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=args.test_size,
                                                    random_state=0)

# a learning curve: training log loss for growing iteration budgets
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    for iterations in range(1, 21):
        partial = LogisticRegression(C=1 / reg, max_iter=iterations).fit(X_train, Y_train)
        logger.log("Log loss", float(log_loss(Y_train, partial.predict_proba(X_train))),
                   step=iterations)

clf = LogisticRegression(C=1 / reg, max_iter=args.max_iter).fit(X_train, Y_train)
accuracy = float(clf.score(X_test, Y_test))
print(f"Accuracy is {accuracy}")
logger.log("Accuracy", accuracy)

os.makedirs("outputs", exist_ok=True)
with open(os.path.join("outputs", "model.pkl"), "wb") as f:
    pickle.dump(clf, f)

# confusion matrix
Y_pred = clf.predict(X_test)
cm = confusion_matrix(Y_test, Y_pred, labels=[0, 1, 2])
fig, ax = plt.subplots(figsize=(4.5, 4))
ax.imshow(cm, cmap="Blues")
ax.set_xticks(range(3), iris.target_names)
ax.set_yticks(range(3), iris.target_names)
ax.set_xlabel("Predicted")
ax.set_ylabel("True")
ax.set_title(f"Confusion matrix (rate {reg})")
for i in range(3):
    for j in range(3):
        ax.text(j, i, str(cm[i, j]), ha="center", va="center",
                color="white" if cm[i, j] > cm.max() / 2 else "black")
fig.tight_layout()
fig.savefig(os.path.join("outputs", "cm.png"), dpi=100)
plt.close(fig)

# one-vs-rest ROC curves
scores = clf.predict_proba(X_test)
fig, ax = plt.subplots(figsize=(4.5, 4))
for k, label in enumerate(iris.target_names):
    fpr, tpr, _ = roc_curve(Y_test == k, scores[:, k])
    ax.plot(fpr, tpr, label=f"{label} (AUC {auc(fpr, tpr):.2f})")
ax.plot([0, 1], [0, 1], "k--", linewidth=0.8)
ax.set_xlabel("False positive rate")
ax.set_ylabel("True positive rate")
ax.set_title("ROC, one vs rest")
ax.legend(loc="lower right")
fig.tight_layout()
fig.savefig(os.path.join("outputs", "roc.png"), dpi=100)
plt.close(fig)
print("Wrote outputs/model.pkl, outputs/cm.png, outputs/roc.png")
