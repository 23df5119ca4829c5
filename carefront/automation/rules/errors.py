"""Why a rule cannot be saved: field errors by path, and loops between rules."""

from django.utils.translation import gettext as _

from carefront.core.exceptions import InvalidInput


class RuleInvalid(InvalidInput):
    """The rule breaks the catalogue's vocabulary. `errors` maps a path to its messages:
    "name", "trigger", "conditions.all.0.value", "actions.1.params.agent_id", ..."""

    code = "rule_invalid"

    def __init__(self, errors: dict[str, list[str]], message: str | None = None) -> None:
        self.errors = {path: [str(m) for m in messages] for path, messages in errors.items()}
        if message is None:
            first = next(iter(self.errors.items()), ("", [""]))
            message = _("The rule is not valid: %(path)s: %(error)s") % {
                "path": first[0],
                "error": first[1][0] if first[1] else "",
            }
        super().__init__(message, extra={"errors": self.errors})


class RuleLoop(RuleInvalid):
    """Saving the rule would let active rules trigger each other in a cycle. `cycle`: the rule
    names in the order they would trigger each other, the first repeated at the end."""

    code = "rule_loop"

    def __init__(self, cycle: list[str]) -> None:
        self.cycle = list(cycle)
        message = _("These rules would trigger each other in a loop: %(cycle)s") % {
            "cycle": " → ".join(self.cycle)
        }
        super().__init__({"actions": [message]}, message=message)
        self.extra["cycle"] = self.cycle
