site-name = Limburgers Worldwide
site-tagline = De community van Expat Centre Limburg
skip-to-content = Naar de inhoud
nav-home = Home
nav-events = Activiteiten
nav-sign-in = Aanmelden
nav-sign-up = Lid worden
nav-main = Hoofdmenu
language-switch = Taal
footer-about = Expat Centre Limburg · Corda Campus, Hasselt
footer-api = API voor ontwikkelaars
home-title = Welkom bij Limburgers Worldwide
home-intro = Een community voor internationale kenniswerkers in Limburg, hun partners en kinderen, en iedereen die verder trok maar contact houdt.
home-what = Ontmoet andere nieuwkomers op onze activiteiten, vind een mentor, krijg onze nieuwsbrief en blijf verbonden als je verhuist.
home-upcoming = Binnenkort
home-all-events = Alle activiteiten
home-no-events = Er zijn nu geen activiteiten gepland. Kijk binnenkort nog eens.
home-join = Word lid van de community
home-join-text = Lidmaatschap is gratis, voor jou en je gezin.
events-title = Activiteiten
events-filter = Filteren
events-filter-tag = Onderwerp
events-filter-organiser = Organisator
events-filter-audience = Voor
events-filter-month = Maand
events-filter-any = Alle
events-filter-apply = Toon activiteiten
events-none = Geen activiteiten voor deze filters.
events-more = Meer activiteiten
event-when = Wanneer
event-where = Waar
event-online = Online
event-join-online = Online deelnemen
event-organiser = Organisator
event-audience = Voor
event-seats = Plaatsen
seats-left = { $count ->
    [one] Nog 1 plaats vrij
   *[other] Nog { $count } plaatsen vrij
}
seats-full = Volzet: je kan op de wachtlijst
seats-unlimited = Plaats genoeg
waitlist-length = { $count ->
    [0] Niemand staat op de wachtlijst
    [one] 1 gezin staat op de wachtlijst
   *[other] { $count } gezinnen staan op de wachtlijst
}
event-cancelled = Deze activiteit is geannuleerd.
event-add-calendar = Toevoegen aan mijn agenda (.ics)
event-subscribe-calendar = Abonneer je in je agenda-app op alle activiteiten
event-register-sign-in = Meld je aan om je gezin in te schrijven
event-partner-event = Activiteit van een Euregionale partner
audience-everyone = Iedereen
audience-members = Leden
audience-partners = Partners
audience-families = Gezinnen
audience-alumni = Alumni
error-not-found-title = Pagina niet gevonden
error-not-found-text = We vonden deze pagina niet. Misschien is ze verplaatst, of is de link onvolledig.
error-other-title = Er ging iets mis
error-other-text = Probeer het zo meteen opnieuw. Blijft het gebeuren, laat het ons dan weten.
error-back-home = Terug naar de startpagina
