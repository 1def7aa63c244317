"""What the duty flows record and read back: progress reports and allocations, meetings and minutes,
inspections; and the typed look-ups the flows compose (units, obligations, the status board)."""
