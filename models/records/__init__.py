"""What the duty flows record: progress reports and allocations, meetings and minutes."""
