"""sitegen.integrations.lightning against real PyTorch Lightning: a tiny model, a few steps."""
from __future__ import annotations

from pathlib import Path

import pytest

from sitegen import start_run
from sitegen.store import Store

pl = pytest.importorskip("lightning.pytorch", reason="lightning is not installed")
torch = pytest.importorskip("torch")

from sitegen.integrations.lightning import SitegenLogger  # noqa: E402


class Tiny(pl.LightningModule):
    def __init__(self, lr: float = 0.05, hidden: int = 4, fail_at: int | None = None,
                 optim: dict | None = None) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = torch.nn.Sequential(torch.nn.Linear(3, hidden), torch.nn.Linear(hidden, 1))

    def training_step(self, batch, batch_idx):
        if self.hparams.fail_at is not None and self.global_step == self.hparams.fail_at:
            raise RuntimeError("diverged")
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.net(x), y)
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.net(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


def loader():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(32, 3, generator=g)
    data = torch.utils.data.TensorDataset(x, x.sum(1, keepdim=True))
    return torch.utils.data.DataLoader(data, batch_size=8)


def fit(model, logger, tmp_path: Path, steps: int = 6) -> None:
    trainer = pl.Trainer(logger=logger, max_steps=steps, log_every_n_steps=1, accelerator="cpu",
                         enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, default_root_dir=str(tmp_path))
    trainer.fit(model, loader(), loader())


def test_hyperparameters_metrics_with_steps_and_status(project: Path, tmp_path: Path) -> None:
    fit(Tiny(lr=0.05, optim={"name": "sgd", "momentum": 0.0}), SitegenLogger(name="tiny"), tmp_path)
    store = Store(project / "runs")
    [meta] = store.runs()
    assert meta["name"] == "tiny" and meta["status"] == "Completed"
    params = meta["parameters"]
    assert params["lr"] == 0.05 and params["hidden"] == 4 and params["optim.name"] == "sgd"
    metrics = store.metrics(meta["run_id"])
    assert metrics["train_loss"].steps == [0, 1, 2, 3, 4, 5]
    assert "val_loss" in metrics and "epoch" in metrics


def test_a_failed_fit_reads_failed(project: Path, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="diverged"):
        fit(Tiny(fail_at=2), SitegenLogger(name="boom"), tmp_path)
    [meta] = Store(project / "runs").runs()
    assert meta["status"] == "Failed"
    assert Store(project / "runs").metrics(meta["run_id"])["train_loss"].steps == [0, 1]


def test_inside_a_run_it_logs_to_that_run(project: Path, tmp_path: Path) -> None:
    with start_run(name="script") as run:
        fit(Tiny(), SitegenLogger(), tmp_path, steps=2)
        run.log("after", 1)
    [meta] = Store(project / "runs").runs()
    assert meta["run_id"] == run.run_id and meta["parameters"]["lr"] == 0.05
    assert set(Store(project / "runs").metrics(run.run_id)) >= {"train_loss", "after"}
