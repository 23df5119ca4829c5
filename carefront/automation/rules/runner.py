"""Running rules on conversation changes (placeholder until the runner lands)."""


def connect() -> None:
    return None
