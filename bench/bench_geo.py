"""Benchmark 2: geo-data latency for a campaign with 10k, 100k and 1M calls.

GET /api/v1/campaigns/{uuid}/geo-data over the last 30 days and all time. Goals: 1M
calls cost at most 2x what 10k cost, and at most 3x a GET /api/v1/me.
"""

from __future__ import annotations

from bench.growth import run_growth_benchmark


def main() -> None:
    run_growth_benchmark(
        "Geo-data as history grows",
        {
            "geo-data": lambda db, window: (
                f"/api/v1/campaigns/{db.info['campaign_uuid']}/geo-data",
                {},
            )
        },
    )


if __name__ == "__main__":
    main()
