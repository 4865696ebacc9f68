# At the door: check-in on a phone, and the QR code of a registration.
staff-door-title = At the door: { $event }
staff-door-arrived = { $arrived } of { $expected } arrived
staff-door-no-shows = { $count ->
    [one] 1 no-show
   *[other] { $count } no-shows
}
staff-door-no-shows-hint = The event is over. Confirmed people who were not checked in count as no-shows in the figures and the export. A late check-in still counts until you close the attendance.
staff-door-close = { $count ->
    [0] Close the attendance (nobody missing)
    [one] Mark the 1 person not checked in as a no-show and close
   *[other] Mark the { $count } people not checked in as no-shows and close
}
staff-door-closed = Attendance closed on { $when }: check-ins can no longer change, so the figures for this event stay as reported.
staff-door-no-show = no-show
staff-door-reopen = Reopen the attendance
staff-door-not-open = Check-in opens { $opens }.
staff-door-early = Check in anyway
staff-door-search = Name
staff-door-find = Find
staff-door-everyone = Show everyone
staff-door-found = { $count ->
    [0] Nobody found for “{ $q }”
    [one] 1 registration for “{ $q }”
   *[other] { $count } registrations for “{ $q }”
}
staff-door-registrations = { $count ->
    [0] No registrations
    [one] 1 registration
   *[other] { $count } registrations
}
staff-door-status-waitlisted = On the waitlist
staff-door-status-cancelled = Cancelled
staff-door-in-at = in at { $time }
staff-door-undo = Undo ({ $name })
staff-door-check-in-one = Check in { $name }
staff-door-check-in-all = Check in all { $count }
staff-door-pages = Pages
staff-door-prev = Previous
staff-door-next = Next
staff-door-page = Page { $page } of { $pages }
staff-door-nobody = Try the beginning of a first or last name.
staff-door-error-q = Type the beginning of a first or last name.
staff-door-mail-qr = At the door, show this code: the centre's staff will find your registration at once.
staff-door-mail-qr-alt = QR code of your registration, for check-in at the door
staff-door-qr-caption = Show this code at the door to check in quickly.
staff-door-qr-label = QR code of your registration for { $event }
