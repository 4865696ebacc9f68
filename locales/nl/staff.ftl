nav-staff = Backoffice
error-forbidden-title = Niet voor dit account
error-forbidden-text = Deze pagina is voor de medewerkers van het centrum. Ben je medewerker, meld je dan aan met je medewerkersaccount.
staff-nav-dashboard = Overzicht
staff-nav-events = Activiteiten
staff-nav-members = Leden
staff-nav-newsletter = Nieuwsbrief
staff-nav-mentoring = Mentorschap
staff-nav-figures = Cijfers
staff-nav-audit = Logboek
staff-nav-admin = Beheer
staff-nav-site = Ledensite
staff-dashboard-title = Overzicht
staff-today = Vandaag
staff-this-week = Deze week
staff-no-events-today = Vandaag geen activiteiten.
staff-no-events-week = Geen andere activiteiten in de komende zeven dagen.
staff-all-events = Alle activiteiten
staff-event = Activiteit
staff-when = Wanneer
staff-seats = Plaatsen bezet
staff-waitlist = Wachtlijst
staff-seats-of = { $taken } van { $capacity }
staff-full = volzet
staff-mail = Mail
staff-mail-waiting = { $count ->
    [0] Geen mail wacht
    [one] 1 mail wacht om verstuurd te worden
   *[other] { $count } mails wachten om verstuurd te worden
}
staff-mail-oldest = de oudste al { $minutes } min
staff-mail-failed = { $count ->
    [0] Geen mail mislukt
    [one] 1 mail kon niet bezorgd worden
   *[other] { $count } mails konden niet bezorgd worden
}
staff-issues = Nieuwsbrieven onderweg
staff-no-issues = Er is geen nieuwsbrief gepland of in verzending.
staff-issue-status-scheduled = gepland
staff-issue-status-sending = wordt verstuurd
staff-issue-status-paused = gepauzeerd
staff-issue-progress = { $sent } van { $recipients } verstuurd, { $failed } mislukt
