// Reads iCalendar files the way ical.js (used by Thunderbird, Nextcloud and many web calendars)
// does, and prints every event's start and end as Unix seconds: JSON lines of
// {"file", "uid", "start", "end"}. Local times are converted with the file's own VTIMEZONE
// only (ical.js has no time zone database of its own); a TZID without one, or a floating time,
// is an error, so a broken feed cannot pass by the process's local zone.
import { readFileSync } from 'node:fs';
import ICAL from 'ical.js';

function instant(file, event, name) {
  const prop = event.getFirstProperty(name);
  if (!prop) throw new Error(`${file}: an event without ${name.toUpperCase()}`);
  const time = prop.getFirstValue();
  const tzid = prop.getParameter('tzid');
  if (tzid) {
    if (!time.zone || time.zone.tzid !== tzid) {
      throw new Error(`${file}: ${name.toUpperCase()} names TZID ${tzid} but the file has no VTIMEZONE for it`);
    }
  } else if (time.zone !== ICAL.Timezone.utcTimezone) {
    throw new Error(`${file}: ${name.toUpperCase()} is a floating time`);
  }
  return time.toUnixTime();
}

for (const file of process.argv.slice(2)) {
  const calendar = new ICAL.Component(ICAL.parse(readFileSync(file, 'utf8')));
  for (const event of calendar.getAllSubcomponents('vevent')) {
    console.log(JSON.stringify({
      file,
      uid: event.getFirstPropertyValue('uid'),
      start: instant(file, event, 'dtstart'),
      end: instant(file, event, 'dtend'),
    }));
  }
}
