"""Visitor location from the operator's MaxMind-format database (RINGTONIC_GEOIP_DB).

The database is opened once per process and shared by every thread: maxminddb's readers
are safe for concurrent reads. A location is looked up from the client address and only
the city, state and country are kept: the address itself is never stored or logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geoip2.database
import geoip2.errors
import maxminddb

from ringtonic.ip_addresses import parse_ip

log = logging.getLogger(__name__)

# Database types whose records carry a place, and the reader method that reads each.
_LOOKUPS = (("Enterprise", "enterprise"), ("City", "city"), ("Country", "country"))


class LocationDatabaseError(ValueError):
    """The configured file is not a readable MaxMind-format city or country database."""


class Locator:
    """Finds where an address is, from one open database."""

    def __init__(self, reader: geoip2.database.Reader, lookup: Callable[..., Any]) -> None:
        self._reader = reader
        self._lookup = lookup

    def locate(self, address: str | None) -> dict[str, str]:
        """Return the address's city, state (ISO subdivision code) and country, or {}."""
        if not address:
            return {}
        try:
            # An IPv4-mapped client as its IPv4 address: not every database maps
            # ::ffff:0:0/96 onto its IPv4 networks as MaxMind's own do.
            record = self._lookup(parse_ip(address.strip()))
        except (geoip2.errors.AddressNotFoundError, ValueError):
            return {}
        except maxminddb.InvalidDatabaseError as error:
            # A damaged file must not cost the visitor their number; the address stays out.
            log.warning("The GeoIP database could not be read: %s", type(error).__name__)
            return {}
        city = getattr(record, "city", None)
        subdivisions = getattr(record, "subdivisions", ())
        location = {
            "city": ((city.name if city else None) or "")[:100],
            "state": ((subdivisions[0].iso_code if subdivisions else None) or "")[:50],
            "country": (record.country.iso_code or "")[:2],
        }
        return location if any(location.values()) else {}

    def close(self) -> None:
        """Close the database file."""
        self._reader.close()


def open_locator(path: str | Path) -> Locator:
    """Open the database at `path`, or raise LocationDatabaseError saying what is wrong."""
    try:
        reader = geoip2.database.Reader(str(path))
    except FileNotFoundError:
        raise LocationDatabaseError(f"there is no file at {path}") from None
    except PermissionError:
        raise LocationDatabaseError(f"{path} cannot be read (permission denied)") from None
    except (OSError, maxminddb.InvalidDatabaseError, ValueError) as error:
        raise LocationDatabaseError(f"{path} is not a MaxMind-format database ({error})") from None
    database_type = reader.metadata().database_type
    for marker, method in _LOOKUPS:
        if marker in database_type:
            return Locator(reader, getattr(reader, method))
    reader.close()
    raise LocationDatabaseError(
        f"{path} is a {database_type} database; use a City (or Country) database "
        "such as GeoLite2-City"
    )
