"""datetime with zoneinfo at fixed instants, DST transitions, and the local zone file."""
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, available_timezones

instant = datetime(2024, 3, 31, 0, 30, tzinfo=timezone.utc)
for name in ("Europe/Paris", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "UTC"):
    local = instant.astimezone(ZoneInfo(name))
    print(f"{name:18} {local.isoformat()} {local.tzname()}")
paris = ZoneInfo("Europe/Paris")
# Paris moves to summer time at 01:00 UTC on the last Sunday of March.
switch = datetime(2024, 3, 31, 0, 59, tzinfo=timezone.utc)
before = switch.astimezone(paris)
after = (switch + timedelta(minutes=2)).astimezone(paris)
print("DST:", before.strftime("%H:%M %Z"), before.utcoffset(), "->", after.strftime("%H:%M %Z"), after.utcoffset())
print("fold:", datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=paris).utcoffset())
print("parsed:", datetime.fromisoformat("2024-07-14T12:00:00+02:00").astimezone(timezone.utc).isoformat())
print("strftime:", datetime(2024, 2, 29, 23, 59, tzinfo=paris).strftime("%A %d %B %Y %H:%M %Z"))
print("zones available > 300:", len(available_timezones()) > 300)
print("localtime year of 1971-01-01:", time.localtime(365 * 86400 + 43200).tm_year)
print("gmtime:", time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(1_700_000_000)))
