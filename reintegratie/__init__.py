"""The application shell of reintegratie: settings, command line and the embedded dev stack.

The layers themselves live in the top-level packages `states`, `workflows`, `activities`,
`integrations` and `web` (see ARCHITECTURE.md).
"""
