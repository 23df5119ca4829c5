"""HTML views of the agent workspace: parse the request, call a selector or service, render."""
