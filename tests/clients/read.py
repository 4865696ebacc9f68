"""Reads iCalendar files with Python's icalendar and prints every event's start and end as
Unix seconds: JSON lines of {"file", "uid", "start", "end"}.

Local times are converted with the file's own VTIMEZONE only (`to_tz(lookup_tzid=False)`):
icalendar would otherwise resolve a known TZID from the system's time zone database and never
read the feed's definition. A TZID without a VTIMEZONE, or a floating time, is an error.
"""

import json
import sys
from datetime import datetime, timezone

import icalendar


def instant(path, event, name, zones):
    prop = event.get(name)
    if prop is None:
        sys.exit(f"{path}: an event without {name}")
    value = prop.dt
    if not isinstance(value, datetime):
        sys.exit(f"{path}: {name} is a date, not a date-time")
    tzid = prop.params.get("TZID")
    if tzid is not None:
        if tzid not in zones:
            sys.exit(f"{path}: {name} names TZID {tzid} but the file has no VTIMEZONE for it")
        value = value.replace(tzinfo=zones[tzid])
    elif value.tzinfo is None:
        sys.exit(f"{path}: {name} is a floating time")
    return int(value.astimezone(timezone.utc).timestamp())


def main():
    for path in sys.argv[1:]:
        with open(path, "rb") as f:
            calendar = icalendar.Calendar.from_ical(f.read())
        zones = {
            str(vtz["TZID"]): vtz.to_tz(lookup_tzid=False)
            for vtz in calendar.walk("VTIMEZONE")
        }
        for event in calendar.walk("VEVENT"):
            print(json.dumps({
                "file": path,
                "uid": str(event["UID"]),
                "start": instant(path, event, "DTSTART", zones),
                "end": instant(path, event, "DTEND", zones),
            }))


if __name__ == "__main__":
    main()
