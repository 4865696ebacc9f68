# An der Tür: Check-in auf dem Handy und der QR-Code einer Anmeldung.
staff-door-title = An der Tür: { $event }
staff-door-arrived = { $arrived } von { $expected } angekommen
staff-door-no-shows = { $count ->
    [one] 1 nicht erschienen
   *[other] { $count } nicht erschienen
}
staff-door-no-shows-hint = Die Veranstaltung ist vorbei. Bestätigte Personen, die nicht eingecheckt wurden, zählen in den Zahlen und im Export als nicht erschienen. Ein späterer Check-in zählt, bis du die Anwesenheit abschließt.
staff-door-close = { $count ->
    [0] Anwesenheit abschließen (niemand fehlt)
    [one] Die 1 nicht eingecheckte Person als nicht erschienen markieren und abschließen
   *[other] Die { $count } nicht eingecheckten Personen als nicht erschienen markieren und abschließen
}
staff-door-closed = Anwesenheit abgeschlossen am { $when }: Check-ins ändern sich nicht mehr, die Zahlen dieser Veranstaltung bleiben wie berichtet.
staff-door-no-show = nicht erschienen
staff-door-reopen = Anwesenheit wieder öffnen
staff-door-not-open = Der Check-in beginnt { $opens }.
staff-door-early = Trotzdem einchecken
staff-door-search = Name
staff-door-find = Suchen
staff-door-everyone = Alle zeigen
staff-door-found = { $count ->
    [0] Niemand gefunden für „{ $q }“
    [one] 1 Anmeldung für „{ $q }“
   *[other] { $count } Anmeldungen für „{ $q }“
}
staff-door-registrations = { $count ->
    [0] Keine Anmeldungen
    [one] 1 Anmeldung
   *[other] { $count } Anmeldungen
}
staff-door-status-waitlisted = Auf der Warteliste
staff-door-status-cancelled = Storniert
staff-door-in-at = da seit { $time }
staff-door-undo = Rückgängig ({ $name })
staff-door-check-in-one = { $name } einchecken
staff-door-check-in-all = Alle { $count } einchecken
staff-door-pages = Seiten
staff-door-prev = Zurück
staff-door-next = Weiter
staff-door-page = Seite { $page } von { $pages }
staff-door-nobody = Versuch es mit dem Anfang eines Vor- oder Nachnamens.
staff-door-error-q = Gib den Anfang eines Vor- oder Nachnamens ein.
staff-door-mail-qr = Zeig diesen Code an der Tür: Das Team des Zentrums findet deine Anmeldung dann sofort.
staff-door-mail-qr-alt = QR-Code deiner Anmeldung für den Check-in an der Tür
staff-door-qr-caption = Zeig diesen Code an der Tür, um schnell einzuchecken.
staff-door-qr-label = QR-Code deiner Anmeldung für { $event }
