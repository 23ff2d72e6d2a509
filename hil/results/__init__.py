"""What a run leaves behind: the results folder (CAN log, run info, traces, events, KPIs, verdicts,
reports, plots) and the comparison of two of them against tolerances."""
