"""What the CLI, the flows and ``duban simulate`` do, as plain functions over models and notifications (no Prefect)."""
