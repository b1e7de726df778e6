"""How each process of reintegratie is configured: settings, the Temporal connection, logging and metrics.

The bottom of the application: workflows, activities, integrations and the web may import it; it
imports none of them.
"""
