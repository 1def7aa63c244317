"""The Prefect room: flows, forms, deployments and schedules, the local server. The only place that imports Prefect."""
