# Aan de deur: inchecken op een telefoon, en de QR-code van een inschrijving.
staff-door-title = Aan de deur: { $event }
staff-door-arrived = { $arrived } van { $expected } aangekomen
staff-door-no-shows = { $count ->
    [one] 1 niet gekomen
   *[other] { $count } niet gekomen
}
staff-door-no-shows-hint = De activiteit is voorbij. Bevestigde deelnemers die niet ingecheckt zijn, tellen als niet gekomen in de cijfers en de export. Wie later nog incheckt, telt mee tot je de aanwezigheden afsluit.
staff-door-close = { $count ->
    [0] Aanwezigheden afsluiten (niemand ontbreekt)
    [one] De 1 persoon die niet incheckte als niet gekomen markeren en afsluiten
   *[other] De { $count } personen die niet incheckten als niet gekomen markeren en afsluiten
}
staff-door-closed = Aanwezigheden afgesloten op { $when }: check-ins veranderen niet meer, dus de cijfers van deze activiteit blijven zoals gerapporteerd.
staff-door-no-show = niet gekomen
staff-door-reopen = Aanwezigheden heropenen
staff-door-not-open = Inchecken kan vanaf { $opens }.
staff-door-early = Toch inchecken
staff-door-search = Naam
staff-door-find = Zoeken
staff-door-everyone = Iedereen tonen
staff-door-found = { $count ->
    [0] Niemand gevonden voor “{ $q }”
    [one] 1 inschrijving voor “{ $q }”
   *[other] { $count } inschrijvingen voor “{ $q }”
}
staff-door-registrations = { $count ->
    [0] Geen inschrijvingen
    [one] 1 inschrijving
   *[other] { $count } inschrijvingen
}
staff-door-status-waitlisted = Op de wachtlijst
staff-door-status-cancelled = Geannuleerd
staff-door-in-at = binnen om { $time }
staff-door-undo = Ongedaan maken ({ $name })
staff-door-check-in-one = { $name } inchecken
staff-door-check-in-all = Alle { $count } inchecken
staff-door-pages = Pagina's
staff-door-prev = Vorige
staff-door-next = Volgende
staff-door-page = Pagina { $page } van { $pages }
staff-door-nobody = Probeer het begin van een voor- of achternaam.
staff-door-error-q = Typ het begin van een voor- of achternaam.
staff-door-mail-qr = Toon deze code aan de deur: de medewerkers van het centrum vinden je inschrijving dan meteen.
staff-door-mail-qr-alt = QR-code van je inschrijving, om aan de deur in te checken
staff-door-qr-caption = Toon deze code aan de deur om snel in te checken.
staff-door-qr-label = QR-code van je inschrijving voor { $event }
