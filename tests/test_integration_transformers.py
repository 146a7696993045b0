"""sitegen.integrations.transformers against a real Trainer: a tiny BERT made from a config (no
download), trained and evaluated for a few steps."""
from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.store import Store

transformers = pytest.importorskip("transformers", reason="transformers is not installed")
torch = pytest.importorskip("torch")

from sitegen.integrations.transformers import SitegenCallback  # noqa: E402


class Pairs(torch.utils.data.Dataset):
    def __init__(self, n: int) -> None:
        g = torch.Generator().manual_seed(n)
        self.ids = torch.randint(0, 30, (n, 6), generator=g)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> dict:
        ids = self.ids[i]
        return {"input_ids": ids, "attention_mask": torch.ones_like(ids),
                "labels": int(ids[0] > 15)}


def test_arguments_config_logs_and_evaluation(project: Path, tmp_path: Path) -> None:
    config = transformers.BertConfig(vocab_size=30, hidden_size=8, num_hidden_layers=1,
                                     num_attention_heads=2, intermediate_size=16,
                                     max_position_embeddings=16, num_labels=2)
    model = transformers.BertForSequenceClassification(config)
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "out"), max_steps=4, logging_steps=1, eval_strategy="steps",
        eval_steps=2, per_device_train_batch_size=4, learning_rate=1e-3, report_to=[],
        save_strategy="no", use_cpu=True, disable_tqdm=True)
    trainer = transformers.Trainer(model=model, args=args, train_dataset=Pairs(16),
                                   eval_dataset=Pairs(8), callbacks=[SitegenCallback(name="bert")])
    trainer.train()
    store = Store(project / "runs")
    [meta] = store.runs()
    assert meta["name"] == "bert" and meta["status"] == "Completed"
    params = meta["parameters"]
    assert params["args.learning_rate"] == 1e-3 and params["args.max_steps"] == 4
    assert params["model.hidden_size"] == 8 and params["model.model_type"] == "bert"
    metrics = store.metrics(meta["run_id"])
    assert metrics["loss"].steps == [1, 2, 3, 4]
    assert metrics["eval_loss"].steps == [2, 4]  # on_log and on_evaluate: recorded once
    assert "learning_rate" in metrics and "train_runtime" in metrics
