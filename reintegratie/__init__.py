"""reintegratie's own process code, in two layers (see ARCHITECTURE.md).

- :mod:`reintegratie.config`: settings, the Temporal connection, logging and metrics (the bottom:
  every layer may import it, it imports none of them);
- :mod:`reintegratie.app`: the command line and the embedded dev stack, which start the web app and
  the worker (the top).

The layers in between live in the top-level packages `states`, `workflows`, `activities`,
`integrations` and `web`, and the module `contracts`.
"""
