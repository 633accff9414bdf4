"""Benchmark 3: summary and timeseries report latency for 10k, 100k and 1M calls.

GET /api/v1/reports/summary (by source) and /reports/timeseries (daily
over 30 days, monthly over all time), filtered to the campaign. Goals as geo-data.
"""

from __future__ import annotations

from bench.growth import run_growth_benchmark


def _summary(group_by: str):
    return lambda db, window: (
        "/api/v1/reports/summary",
        {"group_by": group_by, "campaign": db.info["campaign_uuid"]},
    )


def _timeseries(db, window: str):
    interval = "day" if window == "30d" else "month"
    return "/api/v1/reports/timeseries", {
        "interval": interval,
        "campaign": db.info["campaign_uuid"],
    }


def main() -> None:
    run_growth_benchmark(
        "Summary and timeseries reports as history grows",
        {
            "summary by source": _summary("source"),
            "timeseries": _timeseries,
        },
    )


if __name__ == "__main__":
    main()
