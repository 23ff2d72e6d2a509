"""What a run leaves behind: CAN log, run info, summaries (later: traces, KPIs, reports)."""
