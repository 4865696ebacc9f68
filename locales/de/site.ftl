site-name = Limburgers Worldwide
site-tagline = Die Community des Expat Centre Limburg
skip-to-content = Zum Inhalt
nav-home = Start
nav-events = Veranstaltungen
nav-sign-in = Anmelden
nav-sign-up = Mitglied werden
nav-main = Hauptmenü
language-switch = Sprache
footer-about = Expat Centre Limburg · Corda Campus, Hasselt
footer-api = API für Entwickler
home-title = Willkommen bei Limburgers Worldwide
home-intro = Eine Community für internationale Fachkräfte in Limburg, ihre Partner und Kinder und alle, die weitergezogen sind und in Kontakt bleiben.
home-what = Lernen Sie bei unseren Veranstaltungen andere Neuankömmlinge kennen, finden Sie eine Mentorin oder einen Mentor, lesen Sie unseren Newsletter und bleiben Sie verbunden, wenn Sie wegziehen.
home-upcoming = Demnächst
home-all-events = Alle Veranstaltungen
home-no-events = Zurzeit sind keine Veranstaltungen geplant. Schauen Sie bald wieder vorbei.
home-join = Werden Sie Teil der Community
home-join-text = Die Mitgliedschaft ist kostenlos, für Sie und Ihre Familie.
events-title = Veranstaltungen
events-filter = Filtern
events-filter-tag = Thema
events-filter-organiser = Veranstalter
events-filter-audience = Für
events-filter-month = Monat
events-filter-any = Alle
events-filter-apply = Veranstaltungen zeigen
events-none = Keine Veranstaltungen für diese Filter.
events-more = Weitere Veranstaltungen
event-when = Wann
event-where = Wo
event-online = Online
event-join-online = Online teilnehmen
event-organiser = Veranstalter
event-audience = Für
event-seats = Plätze
seats-left = { $count ->
    [one] Noch 1 Platz frei
   *[other] Noch { $count } Plätze frei
}
seats-full = Ausgebucht: Sie können auf die Warteliste
seats-unlimited = Genug Platz
waitlist-length = { $count ->
    [0] Niemand steht auf der Warteliste
    [one] 1 Haushalt steht auf der Warteliste
   *[other] { $count } Haushalte stehen auf der Warteliste
}
event-cancelled = Diese Veranstaltung wurde abgesagt.
event-add-calendar = In meinen Kalender (.ics)
event-subscribe-calendar = Alle Veranstaltungen in Ihrer Kalender-App abonnieren
event-register-sign-in = Melden Sie sich an, um Ihre Familie anzumelden
event-partner-event = Veranstaltung eines Euregio-Partners
audience-everyone = Alle
audience-members = Mitglieder
audience-partners = Partner
audience-families = Familien
audience-alumni = Alumni
error-not-found-title = Seite nicht gefunden
error-not-found-text = Wir konnten diese Seite nicht finden. Vielleicht wurde sie verschoben oder der Link ist unvollständig.
error-other-title = Etwas ist schiefgelaufen
error-other-text = Bitte versuchen Sie es gleich noch einmal. Wenn es weiter passiert, sagen Sie uns Bescheid.
error-back-home = Zurück zur Startseite
