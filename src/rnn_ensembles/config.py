"""Checks of the workflow config beyond its JSON schema: consistency between keys."""

from __future__ import annotations

from rnn_ensembles.tasks import make_task


class ConfigError(ValueError):
    """The config cannot run; the message names each bad key, its value and what is allowed."""


def problems(config: dict) -> list[str]:
    """Every inconsistency of a schema-valid config, as 'key: value: what is allowed'."""
    out = []
    for name, task in config["tasks"].items():
        params = {k: v for k, v in task.items() if k != "kind"}
        try:
            make_task(task["kind"], **params)
        except (TypeError, ValueError) as err:
            out.append(f"tasks.{name}: {err}")
    return out


def check_config(config: dict) -> None:
    """Raise :class:`ConfigError` listing every problem, before any job starts."""
    found = problems(config)
    if found:
        raise ConfigError("invalid config:\n  " + "\n  ".join(found))
