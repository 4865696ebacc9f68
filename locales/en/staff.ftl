nav-staff = Back office
error-forbidden-title = Not for this account
error-forbidden-text = This page is for the centre's staff. If you are staff, sign in with your staff account.
staff-nav-dashboard = Dashboard
staff-nav-events = Events
staff-nav-members = Members
staff-nav-newsletter = Newsletter
staff-nav-mentoring = Mentoring
staff-nav-figures = Figures
staff-nav-audit = Audit log
staff-nav-admin = Admin
staff-nav-site = Member site
staff-dashboard-title = Dashboard
staff-today = Today
staff-this-week = This week
staff-no-events-today = No events today.
staff-no-events-week = No other events in the coming seven days.
staff-all-events = All events
staff-event = Event
staff-when = When
staff-seats = Seats taken
staff-waitlist = Waitlist
staff-seats-of = { $taken } of { $capacity }
staff-full = full
staff-mail = Mail
staff-mail-waiting = { $count ->
    [0] No mail waiting
    [one] 1 mail waiting to be sent
   *[other] { $count } mails waiting to be sent
}
staff-mail-oldest = the oldest for { $minutes } min
staff-mail-failed = { $count ->
    [0] No mail failed
    [one] 1 mail could not be delivered
   *[other] { $count } mails could not be delivered
}
staff-issues = Newsletter issues on their way
staff-no-issues = No issue is scheduled or being sent.
staff-issue-status-scheduled = scheduled
staff-issue-status-sending = sending
staff-issue-status-paused = paused
staff-issue-progress = { $sent } of { $recipients } sent, { $failed } failed
