nav-staff = Backoffice
error-forbidden-title = Nicht für dieses Konto
error-forbidden-text = Diese Seite ist für die Mitarbeitenden des Zentrums. Wenn du dazugehörst, logge dich mit deinem Mitarbeiterkonto ein.
staff-nav-dashboard = Übersicht
staff-nav-events = Veranstaltungen
staff-nav-members = Mitglieder
staff-nav-newsletter = Newsletter
staff-nav-mentoring = Mentoring
staff-nav-figures = Zahlen
staff-nav-audit = Protokoll
staff-nav-admin = Verwaltung
staff-nav-site = Mitgliederseite
staff-dashboard-title = Übersicht
staff-today = Heute
staff-this-week = Diese Woche
staff-no-events-today = Heute keine Veranstaltungen.
staff-no-events-week = Keine weiteren Veranstaltungen in den nächsten sieben Tagen.
staff-all-events = Alle Veranstaltungen
staff-event = Veranstaltung
staff-when = Wann
staff-seats = Belegte Plätze
staff-waitlist = Warteliste
staff-seats-of = { $taken } von { $capacity }
staff-full = voll
staff-mail = Mail
staff-mail-waiting = { $count ->
    [0] Keine Mail wartet
    [one] 1 Mail wartet auf den Versand
   *[other] { $count } Mails warten auf den Versand
}
staff-mail-oldest = die älteste seit { $minutes } Min.
staff-mail-failed = { $count ->
    [0] Keine Mail gescheitert
    [one] 1 Mail konnte nicht zugestellt werden
   *[other] { $count } Mails konnten nicht zugestellt werden
}
staff-issues = Newsletter unterwegs
staff-no-issues = Kein Newsletter ist geplant oder im Versand.
staff-issue-status-scheduled = geplant
staff-issue-status-sending = im Versand
staff-issue-status-paused = pausiert
staff-issue-progress = { $sent } von { $recipients } versandt, { $failed } gescheitert
